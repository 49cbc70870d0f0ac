// libFuzzer target: data::parse_csv (RFC 4180 quoting, line counting, the field-size limit)
// with and without a fixed column count.
#include "fuzz/fuzz_util.h"
#include "laser/data/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  laser::fuzz::expect_only_laser_errors([&] {
    auto rows = laser::data::parse_csv(text, "fuzz.csv");
    size_t last = 0;
    for (auto& r : rows) {
      if (r.line < last || r.fields.empty()) std::abort();  // lines only grow; a record has a field
      last = r.line;
    }
  });
  laser::fuzz::expect_only_laser_errors([&] { (void)laser::data::parse_csv(text, "fuzz.csv", 3); });
  return 0;
}
