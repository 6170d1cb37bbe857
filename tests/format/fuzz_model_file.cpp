// Mutation fuzzer for the model file reader (DESIGN.md §5: "never a crash").
// Builds valid model files, then feeds mutated and truncated versions to
// parse_model_file. Each must either load or throw a ttq::UserError; any other
// exception fails the run, and a crash or undefined behaviour is caught by the
// sanitizers this executable is built with (see CMakeLists.txt).
//
// usage: ttq_format_fuzz [iterations=100000] [seed=1]
// On an unexpected exception, or an AddressSanitizer report, the failing input is
// written to fuzz_model_file_failure.bin. UBSan reports cannot be hooked: rerun with
// the same arguments and TTQ_FUZZ_KEEP_INPUT=1, which writes every input there
// before parsing it (slow), so the file holds the culprit when the run dies.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "format/model_file.h"
#include "format/safetensors.h"
#include "fuzz_support.h"
#include "sample_models.h"

namespace {

using ttq::format::ModelFile;
namespace st = ttq::format::safetensors;
using nlohmann::json;

using ttq::fuzz::save_current_input;

const char* kCrashFile = "fuzz_model_file_failure.bin";

// A valid file split into editable parts, so mutations can go deep (past the
// container checks) as well as shallow (raw bytes).
struct Seed {
  std::string bytes;
  std::map<std::string, std::string> metadata;
  std::map<std::string, json> metadata_json;  // values that are JSON text, parsed once
  std::vector<std::pair<st::TensorRecord, std::string>> tensors;  // record + owned data
};

Seed make_seed(uint32_t n) {
  Seed s;
  s.bytes = ttq::format::serialize_model_file(ttq::format::testing::random_model(n));
  const st::Contents c = st::parse(s.bytes, "seed");
  s.metadata = c.metadata;
  for (const auto& [key, value] : s.metadata) {
    if (json::accept(value)) s.metadata_json[key] = json::parse(value);
  }
  for (const auto& r : c.tensors) s.tensors.push_back({r, std::string(r.data)});
  return s;
}

class Mutator : public ttq::fuzz::Random {
 public:
  explicit Mutator(uint32_t seed) : Random(seed) {}

  json random_json(int depth = 0) {
    switch (below(depth > 2 ? 5 : 7)) {
      case 0: return interesting_int();
      case 1: return std::uniform_real_distribution<double>(-10, 10)(rng_) * (chance(10) ? 1e300 : 1.0);
      case 2: return chance(50) ? std::string("t") + std::to_string(below(12)) : std::string(below(4), 'x');
      case 3: return nullptr;
      case 4: return chance(50);
      case 5: {
        json a = json::array();
        for (size_t i = below(4); i > 0; --i) a.push_back(random_json(depth + 1));
        return a;
      }
      default: {
        json o = json::object();
        for (size_t i = below(3); i > 0; --i) o["k" + std::to_string(below(5))] = random_json(depth + 1);
        return o;
      }
    }
  }

  // Replace, delete or add one value somewhere inside j.
  void mutate_json(json& j) {
    std::vector<json*> all;
    collect(j, &all);
    json& target = *all[below(all.size())];
    const size_t what = below(6);
    if (what == 0 && target.is_object() && !target.empty()) {
      auto it = target.begin();
      std::advance(it, below(target.size()));
      target.erase(it);
    } else if (what == 1 && target.is_array() && !target.empty()) {
      target.erase(below(target.size()));
    } else if (what == 2 && target.is_array()) {
      target.push_back(chance(50) && !target.empty() ? target[below(target.size())] : random_json());
    } else if (what == 3 && target.is_number_integer()) {
      target = target.get<int64_t>() + (chance(50) ? 1 : -1);
    } else {
      target = random_json();
    }
  }

  // Mutations of the header as a safetensors object, re-assembled so the
  // container stays valid and the edit reaches the model checks behind it.
  std::string mutate_structured(const Seed& s) {
    std::map<std::string, std::string> metadata = s.metadata;
    std::vector<std::pair<st::TensorRecord, std::string>> tensors = s.tensors;
    for (int rounds = 1 + static_cast<int>(below(2)); rounds > 0; --rounds) {
      const size_t kind = below(10);
      if (metadata.empty() || tensors.empty()) break;
      auto entry = metadata.begin();
      std::advance(entry, below(metadata.size()));
      if (kind <= 3) {  // a cheap text edit inside one metadata value (mostly keeps it JSON)
        mutate_text(entry->second, 0, entry->second.size());
      } else if (kind <= 5) {  // a structural JSON edit inside one metadata value
        const auto parsed = s.metadata_json.find(entry->first);
        json j = parsed != s.metadata_json.end() ? parsed->second : json(entry->second);
        mutate_json(j);
        entry->second = j.dump();
      } else if (kind == 6) {  // drop or replace a metadata entry
        if (chance(50)) metadata.erase(entry); else entry->second = random_json().dump();
      } else if (kind <= 8) {  // corrupt tensor data in place
        std::string& data = tensors[below(tensors.size())].second;
        for (size_t n = 1 + below(3); n > 0 && !data.empty(); --n) data[below(data.size())] = static_cast<char>(rng_());
      } else {  // drop a tensor, or rename it
        const size_t i = below(tensors.size());
        if (chance(50)) tensors.erase(tensors.begin() + static_cast<long>(i)); else tensors[i].first.name += chance(50) ? ".wp" : "x";
      }
    }
    return assemble(metadata, tensors);
  }

  // Edits text[begin, end) in place: a number replaced, a character set, a span deleted.
  void mutate_text(std::string& text, size_t begin, size_t end) {
    if (end <= begin) return;
    const size_t pos = begin + below(end - begin);
    switch (below(4)) {
      case 0: case 1: {  // a digit run replaced by another number: shapes, offsets, attrs
        size_t p = pos;
        while (p < end && !std::isdigit(static_cast<unsigned char>(text[p]))) ++p;
        size_t q = p;
        while (q < end && std::isdigit(static_cast<unsigned char>(text[q]))) ++q;
        if (p < end) text.replace(p, q - p, std::to_string(interesting_int()));
        break;
      }
      case 2: {
        static const char special[] = {'\0', '\xff', '{', '}', '[', ']', '"', ',', ':', '0', '9', '-', ' ', '\\', 'e', '.', 't'};
        text[pos] = special[below(sizeof special)];
        break;
      }
      default: text.erase(pos, std::min<size_t>(1 + below(12), end - pos)); break;
    }
  }

  // A safetensors file from parts, written by hand rather than with st::serialize
  // (faster, and it does not refuse duplicate names).
  static std::string assemble(const std::map<std::string, std::string>& metadata,
                              const std::vector<std::pair<st::TensorRecord, std::string>>& tensors) {
    std::string header = "{\"__metadata__\":{";
    for (const auto& [key, value] : metadata) {
      if (header.back() != '{') header += ',';
      header += json(key).dump(-1, ' ', false, json::error_handler_t::replace) + ':' +
                json(value).dump(-1, ' ', false, json::error_handler_t::replace);
    }
    header += '}';
    std::string data;
    for (const auto& [r, bytes] : tensors) {
      header += ',' + json(r.name).dump(-1, ' ', false, json::error_handler_t::replace) + ":{\"dtype\":\"" + st::dtype_name(r.dtype) +
                "\",\"shape\":" + json(r.shape).dump() + ",\"data_offsets\":[" + std::to_string(data.size()) + ',' +
                std::to_string(data.size() + bytes.size()) + "]}";
      data += bytes;
    }
    header += '}';
    std::string out(8, '\0');
    write_len(out, header.size());
    return out + header + data;
  }

  // Byte-level mutations of the raw file.
  void mutate_bytes(std::string& b) {
    const uint64_t header_len = read_len(b);
    const size_t header_end = std::min<size_t>(b.size(), 8 + header_len);
    for (int rounds = 1 + static_cast<int>(below(3)); rounds > 0; --rounds) {
      if (b.size() <= 8) break;
      // Most edits aim at the header, where the parser's decisions are.
      const size_t hend = std::min(header_end, b.size());
      const size_t pos = chance(80) && hend > 8 ? 8 + below(hend - 8) : below(b.size());
      switch (below(8)) {
        case 0:
          if (!b.empty()) b[pos] = static_cast<char>(b[pos] ^ (1u << below(8)));
          break;
        case 1: {
          static const char special[] = {'\0', '\xff', '{', '}', '[', ']', '"', ',', ':', '0', '9', '-', ' ', '\\', 'e', '.'};
          if (!b.empty()) b[pos] = special[below(sizeof special)];
          break;
        }
        case 2: b.insert(std::min(pos, b.size()), std::string(1 + below(8), static_cast<char>(rng_()))); break;
        case 3: if (!b.empty()) b.erase(pos, 1 + below(16)); break;
        case 4: mutate_text(b, pos, std::max(pos + 1, hend)); break;
        case 5: write_len(b, chance(50) ? header_len + static_cast<uint64_t>(static_cast<int64_t>(below(17)) - 8)
                                        : static_cast<uint64_t>(interesting_int()));
                break;
        case 6: if (b.size() > 16) b.insert(pos, b.substr(below(b.size() - 8), 1 + below(8))); break;  // duplicate a chunk
        default: break;
      }
    }
    // Keep the header length consistent half the time, so JSON edits reach the parser.
    if (chance(50) && b.size() >= 8) {
      const int64_t delta = static_cast<int64_t>(b.size()) - static_cast<int64_t>(original_size_);
      write_len(b, header_len + static_cast<uint64_t>(delta));
    }
  }

  std::string next(const std::vector<Seed>& seeds) {
    const Seed& s = seeds[below(seeds.size())];
    original_size_ = s.bytes.size();
    const size_t kind = below(10);
    if (kind == 0) return s.bytes.substr(0, below(s.bytes.size()));  // truncated
    if (kind <= 4) {
      std::string b = mutate_structured(s);
      if (chance(30)) {
        original_size_ = b.size();
        mutate_bytes(b);
      }
      return b;
    }
    std::string b = s.bytes;
    mutate_bytes(b);
    return b;
  }

 private:
  static void collect(json& j, std::vector<json*>* out) {
    out->push_back(&j);
    if (j.is_structured()) {
      for (auto& child : j) collect(child, out);
    }
  }
  static uint64_t read_len(const std::string& b) {
    uint64_t n = 0;
    if (b.size() >= 8) std::memcpy(&n, b.data(), 8);
    return n;
  }
  static void write_len(std::string& b, uint64_t n) {
    if (b.size() >= 8) std::memcpy(b.data(), &n, 8);
  }

  size_t original_size_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  long long iterations = 100000;
  uint32_t seed = 1;
  try {
    if (argc > 1) iterations = std::stoll(argv[1]);
    if (argc > 2) seed = static_cast<uint32_t>(std::stoul(argv[2]));
  } catch (const std::exception&) {
    std::cerr << "usage: " << argv[0] << " [iterations=100000] [seed=1]\n";
    return 2;
  }
  ttq::fuzz::keep_inputs_in(kCrashFile);
  const auto start = std::chrono::steady_clock::now();
  std::vector<Seed> seeds;
  for (uint32_t i = 0; i < 24; ++i) seeds.push_back(make_seed(seed * 1000 + i));

  const bool keep_input = std::getenv("TTQ_FUZZ_KEEP_INPUT") != nullptr;
  Mutator mutator(seed);
  long long loaded = 0, rejected = 0;
  std::chrono::steady_clock::duration mutating{}, parsing{}, rewriting{};
  for (long long i = 0; i < iterations; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string input = mutator.next(seeds);
    const auto t1 = std::chrono::steady_clock::now();
    mutating += t1 - t0;
    ttq::fuzz::g_current = &input;
    if (keep_input) save_current_input(false);
    try {
      const ModelFile m = ttq::format::parse_model_file(input, "fuzz");
      ++loaded;
      parsing += std::chrono::steady_clock::now() - t1;
      // What we read we can write, and writing is a fixed point. Checked on a
      // sample of the loaded inputs: writing costs more than reading.
      const auto t2 = std::chrono::steady_clock::now();
      const std::string again = loaded % 4 == 1 ? ttq::format::serialize_model_file(m) : std::string();
      const bool check_fixed_point = loaded % 16 == 1;
      if (check_fixed_point && ttq::format::serialize_model_file(ttq::format::parse_model_file(again, "fuzz-again")) != again) {
        std::cerr << "fuzz: iteration " << i << ": re-serializing a loaded model is not stable\n";
        save_current_input();
        return 1;
      }
      rewriting += std::chrono::steady_clock::now() - t2;
    } catch (const ttq::UserError&) {
      ++rejected;
      parsing += std::chrono::steady_clock::now() - t1;
    } catch (const std::exception& e) {
      std::cerr << "fuzz: iteration " << i << ": unexpected exception (not a ttq::UserError): " << e.what() << "\n";
      save_current_input();
      return 1;
    } catch (...) {
      std::cerr << "fuzz: iteration " << i << ": unexpected non-std exception\n";
      save_current_input();
      return 1;
    }
  }
  ttq::fuzz::g_current = nullptr;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto secs = [](std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); };
  std::cout << "fuzz: " << iterations << " inputs, " << loaded << " loaded, " << rejected << " rejected, " << seconds
            << " s (mutating " << secs(mutating) << " s, parsing " << secs(parsing) << " s, re-writing " << secs(rewriting) << " s)";
#ifdef TTQ_FUZZ_SANITIZED
  std::cout << " (sanitized)";
#endif
  std::cout << "\n";
  return 0;
}
