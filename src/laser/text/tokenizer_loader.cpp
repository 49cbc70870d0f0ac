// load_tokenizer(dir): picks the tokenizer implementation from the files a model directory holds.
#include <nlohmann/json.hpp>

#include "laser/core/error.h"
#include "laser/io/file_util.h"
#include "laser/io/jsonl.h"
#include "laser/text/byte_tokenizer.h"
#include "laser/text/tokenizer.h"

namespace laser::text {

std::shared_ptr<Tokenizer> load_tokenizer(const std::string& dir) {
  std::string lt = io::join_path(dir, "laser_tokenizer.json");
  if (io::file_exists(lt)) {
    auto j = io::read_json(lt);
    std::string type = j.value("type", "");
    if (type == "bytes") return std::make_shared<ByteTokenizer>();
    throw Error("unknown tokenizer type '" + type + "'", lt, "expected \"bytes\"");
  }
  throw Error("no tokenizer found", dir,
              "expected laser_tokenizer.json, tokenizer.json, vocab.json + merges.txt, or tokenizer.model");
}

}  // namespace laser::text
