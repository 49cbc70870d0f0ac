// Seeded random projection and L2 normalization of contexts.
#include "laser/bandit/context_reducer.h"

#include <cmath>

#include "laser/core/error.h"
#include "laser/core/rng.h"

namespace laser::bandit {

RandomProjection::RandomProjection(int input_dim, int output_dim, uint64_t seed) : seed_(seed) {
  LASER_CHECK(input_dim >= 1 && input_dim <= (1 << 20) && output_dim >= 1 && output_dim <= (1 << 20),
              "random_projection", "dimensions " + std::to_string(input_dim) + " -> " + std::to_string(output_dim) + " out of range",
              "both must be in [1, 1048576]");
  p_.resize(output_dim, input_dim);
  Rng rng(mix_seed(seed, 0x70726f6aULL));
  double sd = 1.0 / std::sqrt(static_cast<double>(output_dim));
  for (int j = 0; j < input_dim; ++j)
    for (int i = 0; i < output_dim; ++i) p_(i, j) = rng.normal(0.0, sd);
}

Eigen::VectorXd RandomProjection::apply(const Eigen::VectorXd& x) const {
  LASER_CHECK(x.size() == p_.cols(), "random_projection input",
              "context has " + std::to_string(x.size()) + " dimensions, expected " + std::to_string(p_.cols()),
              "the projection was made for another embedding size");
  return p_ * x;
}

nlohmann::json RandomProjection::save() const {
  return {{"format", "laser.context_reducer"}, {"format_version", kReducerFormatVersion}, {"kind", name()},
          {"input_dim", input_dim()},          {"output_dim", output_dim()},                  {"seed", seed_}};
}

L2Normalize::L2Normalize(int dim) : dim_(dim) {
  LASER_CHECK(dim >= 1, "l2_normalize", "dimension must be >= 1", "give the context dimension");
}

Eigen::VectorXd L2Normalize::apply(const Eigen::VectorXd& x) const {
  LASER_CHECK(x.size() == dim_, "l2_normalize input",
              "context has " + std::to_string(x.size()) + " dimensions, expected " + std::to_string(dim_), "check the embedding size");
  double n = x.norm();
  if (!(n > 0)) return Eigen::VectorXd::Zero(dim_);
  return x / n;
}

nlohmann::json L2Normalize::save() const {
  return {{"format", "laser.context_reducer"}, {"format_version", kReducerFormatVersion}, {"kind", name()}, {"dim", dim_}};
}

std::unique_ptr<ContextReducer> load_context_reducer(const nlohmann::json& j, const std::string& where) {
  try {
    LASER_CHECK(j.is_object() && j.value("format", "") == "laser.context_reducer", where + ": format",
                "not a laser context reducer", "expected \"format\": \"laser.context_reducer\"");
    LASER_CHECK(j.value("format_version", -1) == kReducerFormatVersion, where + ": format_version",
                "unsupported context reducer version", "this build reads version " + std::to_string(kReducerFormatVersion));
    std::string kind = j.at("kind").get<std::string>();
    if (kind == "random_projection")
      return std::make_unique<RandomProjection>(j.at("input_dim").get<int>(), j.at("output_dim").get<int>(),
                                                j.at("seed").get<uint64_t>());
    if (kind == "l2_normalize") return std::make_unique<L2Normalize>(j.at("dim").get<int>());
    throw Error("unknown context reducer '" + kind + "'", where + ": kind", "random_projection or l2_normalize");
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed context reducer (") + e.what() + ")", where, "the file is corrupted");
  }
}

}  // namespace laser::bandit
