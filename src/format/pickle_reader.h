// A strict reader of Python pickles (protocols 2-5) that executes nothing: it builds
// a tree of plain values, and a call of any Python callable (REDUCE, NEWOBJ) becomes a
// Call node naming the callable, for the caller to interpret or refuse. Torch-free.
//
// It reads what torch.save writes for state dicts and checkpoints (dicts, lists,
// tuples, numbers, strings, OrderedDicts, tensors as calls of
// torch._utils._rebuild_tensor_v2 on persistent storage ids). Opcodes outside that
// set (text-mode protocol 0, sets, extensions, out-of-band buffers) are a
// FormatError naming the opcode and its position; so is every malformed input.
//
// All values live in an arena owned by the result, so the tree may share nodes
// (the memo) or even hold cycles without leaks or deep recursive destruction.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace ttq::format::pickle {

enum class Kind {
  none,
  boolean,
  integer,     // fits in int64 (larger ones are refused)
  real,
  string,      // str (and protocol-2 byte strings), UTF-8 as written
  bytes,
  tuple,
  list,
  dict,        // dict or collections.OrderedDict: keys and values in insertion order
  global,      // a callable or class named by module and name, e.g. "torch._utils._rebuild_tensor_v2"
  call,        // items[0] called with the tuple items[1] (REDUCE, NEWOBJ); BUILD state is dropped
  persistent,  // a persistent id (torch.save's storages): items[0] is the id
};

struct Value {
  Kind kind = Kind::none;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;                  // string, bytes, and the dotted name of a global
  std::vector<const Value*> items;   // tuple, list; dict: key, value, key, value, ...; call; persistent
};

const char* kind_name(Kind k);

class Unpickled {
 public:
  const Value& root() const { return *root_; }

 private:
  friend Unpickled unpickle(std::string_view bytes, const std::string& origin);
  std::deque<Value> arena_;
  const Value* root_ = nullptr;
};

// Runs the pickle in `bytes` up to its STOP opcode, which must be its last byte.
// Throws FormatError ("<origin>: ...") on anything malformed or unsupported.
Unpickled unpickle(std::string_view bytes, const std::string& origin);

}  // namespace ttq::format::pickle
