// Context reducers for large prompt embeddings: a seeded Gaussian random projection to d' dimensions
// (Johnson-Lindenstrauss: entries N(0, 1/d'), so squared norms are preserved in expectation) and L2
// normalization. Not learned (no PCA). The projection matrix is regenerated from its seed on load.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace laser::bandit {

constexpr int kReducerFormatVersion = 1;

class ContextReducer {
 public:
  virtual ~ContextReducer() = default;
  // x (input_dim) -> y (output_dim); laser::Error when x has the wrong size.
  virtual Eigen::VectorXd apply(const Eigen::VectorXd& x) const = 0;
  virtual int input_dim() const = 0;
  virtual int output_dim() const = 0;
  virtual std::string name() const = 0;
  // {"format": "laser.context_reducer", "format_version": 1, "kind", ...}
  virtual nlohmann::json save() const = 0;
};

class RandomProjection : public ContextReducer {
 public:
  // input_dim, output_dim in [1, 1 << 20]; the matrix (output_dim x input_dim) is a function of seed.
  RandomProjection(int input_dim, int output_dim, uint64_t seed);
  Eigen::VectorXd apply(const Eigen::VectorXd& x) const override;  // (in) -> (out) = P x
  int input_dim() const override { return static_cast<int>(p_.cols()); }
  int output_dim() const override { return static_cast<int>(p_.rows()); }
  std::string name() const override { return "random_projection"; }
  nlohmann::json save() const override;
  const Eigen::MatrixXd& matrix() const { return p_; }

 private:
  Eigen::MatrixXd p_;
  uint64_t seed_;
};

class L2Normalize : public ContextReducer {
 public:
  explicit L2Normalize(int dim);
  Eigen::VectorXd apply(const Eigen::VectorXd& x) const override;  // x / ||x|| (0 stays 0)
  int input_dim() const override { return dim_; }
  int output_dim() const override { return dim_; }
  std::string name() const override { return "l2_normalize"; }
  nlohmann::json save() const override;

 private:
  int dim_;
};

std::unique_ptr<ContextReducer> load_context_reducer(const nlohmann::json& j, const std::string& where);

}  // namespace laser::bandit
