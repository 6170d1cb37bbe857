// What the format fuzzers (fuzz_model_file.cpp, fuzz_state_dict_file.cpp) share:
// seeded random choices, and the input under test kept so that a failure leaves it
// on disk for a rerun.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <random>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define TTQ_FUZZ_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TTQ_FUZZ_SANITIZED 1
#endif
#endif
#ifdef TTQ_FUZZ_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

namespace ttq::fuzz {

class Random {
 public:
  explicit Random(uint64_t seed) : rng_(seed) {}

  size_t below(size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(int percent) { return below(100) < static_cast<size_t>(percent); }

  // Values at the edges parsers get wrong: small counts, byte/word limits, signs.
  int64_t interesting_int() {
    static const int64_t values[] = {0, 1, 2, 3, 4, 5, 7, 8, -1, -2, 255, 256, 4096, 65535, 65536, int64_t(1) << 24,
                                     (int64_t(1) << 24) + 1, int64_t(1) << 31, int64_t(1) << 32, INT64_MAX, INT64_MIN};
    return chance(70) ? values[below(std::size(values))] : static_cast<int64_t>(rng_());
  }

 protected:
  std::mt19937_64 rng_;
};

// The input being parsed, and where to write it if the process dies.
inline const std::string* g_current = nullptr;
inline const char* g_crash_file = nullptr;

// Writes *g_current to g_crash_file. Only async-signal-safe calls: it also runs from
// the sanitizers' death callback and from signal handlers.
inline void save_current_input(bool report = true) {
  if (!g_current || !g_crash_file) return;
  const int fd = ::open(g_crash_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  for (size_t done = 0; done < g_current->size();) {
    const ssize_t n = ::write(fd, g_current->data() + done, g_current->size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  if (report) {
    const char msg[] = "fuzz: failing input written to ";
    [[maybe_unused]] ssize_t ignored = ::write(2, msg, sizeof msg - 1);
    ignored = ::write(2, g_crash_file, std::strlen(g_crash_file));
    ignored = ::write(2, "\n", 1);
  }
}

// Saves the current input when AddressSanitizer kills the process. UBSan's reports
// cannot be hooked; TTQ_FUZZ_KEEP_INPUT=1 in the fuzzers covers them.
inline void keep_inputs_in(const char* crash_file) {
  g_crash_file = crash_file;
#ifdef TTQ_FUZZ_SANITIZED
  __sanitizer_set_death_callback([] { save_current_input(); });
#endif
}

}  // namespace ttq::fuzz
