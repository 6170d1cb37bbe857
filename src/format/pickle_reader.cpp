#include "format/pickle_reader.h"

#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "common/error.h"

namespace ttq::format::pickle {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::none: return "None";
    case Kind::boolean: return "bool";
    case Kind::integer: return "int";
    case Kind::real: return "float";
    case Kind::string: return "str";
    case Kind::bytes: return "bytes";
    case Kind::tuple: return "tuple";
    case Kind::list: return "list";
    case Kind::dict: return "dict";
    case Kind::global: return "global";
    case Kind::call: return "object";
    case Kind::persistent: return "persistent id";
  }
  return "?";
}

namespace {

const char* const kHint = "the file is truncated or corrupt, or was not written by torch.save";

// The virtual machine of the pickle protocol, minus everything that would run code.
class Machine {
 public:
  Machine(std::string_view bytes, const std::string& origin, std::deque<Value>& arena)
      : in_(bytes), origin_(origin), arena_(arena) {}

  const Value* run() {
    for (;;) {
      op_at_ = pos_;
      const uint8_t op = take_u8();
      switch (op) {
        case 0x80: {  // PROTO
          const uint8_t v = take_u8();
          if (v < 2 || v > 5) fail("pickle protocol " + std::to_string(v) + " is not supported");
          break;
        }
        case 0x95: take(8); break;  // FRAME: a length hint only
        case '(': marks_.push_back(stack_.size()); break;
        case '.': return stop();
        case '0': pop(); break;
        case '1': pop_mark(); break;
        case '2': push(top()); break;
        // memo
        case 'q': memo_[take_u8()] = top(); break;
        case 'r': memo_[take_uint(4)] = top(); break;
        case 0x94: memo_[uint32_t(memo_.size())] = top(); break;
        case 'h': push(memo_get(take_u8())); break;
        case 'j': push(memo_get(take_uint(4))); break;
        // atoms
        case 'N': push(make(Kind::none)); break;
        case 0x88: push_bool(true); break;
        case 0x89: push_bool(false); break;
        case 'K': push_int(int64_t(take_u8())); break;
        case 'M': push_int(int64_t(take_uint(2))); break;
        case 'J': push_int(int64_t(int32_t(take_uint(4)))); break;
        case 0x8a: push_int(take_long(take_u8())); break;
        case 0x8b: push_int(take_long(take_uint(4))); break;
        case 'G': push_real(); break;
        case 'X': push_text(Kind::string, take_uint(4)); break;
        case 0x8c: push_text(Kind::string, take_u8()); break;
        case 0x8d: push_text(Kind::string, take_uint(8)); break;
        case 'U': push_text(Kind::string, take_u8()); break;
        case 'T': push_text(Kind::string, take_uint(4)); break;
        case 'C': push_text(Kind::bytes, take_u8()); break;
        case 'B': push_text(Kind::bytes, take_uint(4)); break;
        case 0x8e: push_text(Kind::bytes, take_uint(8)); break;
        // containers
        case ')': push(make(Kind::tuple)); break;
        case 't': push(collect(Kind::tuple, pop_mark())); break;
        case 0x85: case 0x86: case 0x87: push(tuple_of_top(op - 0x84)); break;
        case ']': push(make(Kind::list)); break;
        case 'l': push(collect(Kind::list, pop_mark())); break;
        case 'a': append(std::vector<const Value*>{pop()}); break;
        case 'e': append(pop_mark()); break;
        case '}': push(make(Kind::dict)); break;
        case 'd': push(make_dict(pop_mark())); break;
        case 's': {
          const Value* v = pop();
          const Value* k = pop();
          set_items({k, v});
          break;
        }
        case 'u': set_items(pop_mark()); break;
        // objects
        case 'c': {  // GLOBAL "module\nname\n" (two statements: argument order is unspecified)
          const std::string module = take_line();
          global(module, take_line());
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          const Value* name = pop();
          const Value* module = pop();
          if (module->kind != Kind::string || name->kind != Kind::string) fail("STACK_GLOBAL of non-strings");
          global(module->text, name->text);
          break;
        }
        case 'R': case 0x81: {  // REDUCE, NEWOBJ: callable, args
          const Value* args = pop();
          call(pop(), args);
          break;
        }
        case 0x92: {  // NEWOBJ_EX: cls, args, kwargs
          const Value* kwargs = pop();
          const Value* args = pop();
          if (kwargs->kind != Kind::dict || !kwargs->items.empty()) fail("keyword arguments are not supported");
          call(pop(), args);
          break;
        }
        case 'b': build(); break;
        case 'Q': {  // BINPERSID
          Value* v = make(Kind::persistent);
          v->items.push_back(pop());
          push(v);
          break;
        }
        default: {
          char hex[8];
          std::snprintf(hex, sizeof hex, "0x%02x", op);
          fail(std::string("unsupported pickle opcode ") + hex);
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(origin_ + ": " + what + " at byte " + std::to_string(op_at_), kHint);
  }

  // ---- input ----
  std::string_view take(uint64_t n) {
    if (n > in_.size() - pos_) fail("pickle ends inside an opcode");
    const std::string_view s = in_.substr(pos_, size_t(n));
    pos_ += size_t(n);
    return s;
  }
  uint8_t take_u8() { return uint8_t(take(1)[0]); }
  uint64_t take_uint(int n) {
    const std::string_view s = take(uint64_t(n));
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | uint8_t(s[size_t(i)]);
    return v;
  }
  // LONG1 / LONG4: little-endian two's complement of n bytes.
  int64_t take_long(uint64_t n) {
    if (n > 8) fail("integer wider than 64 bits");
    if (n == 0) return 0;
    const std::string_view s = take(n);
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = v << 8 | uint8_t(s[i]);
    if (n < 8 && (uint8_t(s[n - 1]) & 0x80)) v |= ~uint64_t(0) << (8 * n);  // sign-extend
    return int64_t(v);
  }
  std::string take_line() {
    const size_t nl = in_.find('\n', pos_);
    if (nl == std::string_view::npos) fail("GLOBAL without a newline");
    std::string s(in_.substr(pos_, nl - pos_));
    pos_ = nl + 1;
    return s;
  }

  // ---- values ----
  Value* make(Kind k) {
    arena_.emplace_back();
    arena_.back().kind = k;
    return &arena_.back();
  }
  void push(const Value* v) { stack_.push_back(const_cast<Value*>(v)); }
  void push_bool(bool b) { make_pushed(Kind::boolean)->boolean = b; }
  void push_int(int64_t i) { make_pushed(Kind::integer)->integer = i; }
  void push_real() {  // BINFLOAT: a big-endian IEEE 754 double
    uint64_t bits = 0;
    for (char c : take(8)) bits = bits << 8 | uint8_t(c);
    double d;
    std::memcpy(&d, &bits, sizeof d);
    make_pushed(Kind::real)->real = d;
  }
  void push_text(Kind k, uint64_t n) { make_pushed(k)->text = std::string(take(n)); }
  Value* make_pushed(Kind k) {
    Value* v = make(k);
    stack_.push_back(v);
    return v;
  }

  // ---- stack ----
  Value* top() {
    if (stack_.size() == floor()) fail("pickle stack underflow");
    return stack_.back();
  }
  Value* pop() {
    Value* v = top();
    stack_.pop_back();
    return v;
  }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<const Value*> pop_mark() {
    if (marks_.empty()) fail("pickle has no MARK to pop");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<const Value*> items(stack_.begin() + std::ptrdiff_t(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  const Value* memo_get(uint64_t key) {
    const auto it = memo_.find(key);
    if (it == memo_.end()) fail("pickle memo has no entry " + std::to_string(key));
    return it->second;
  }
  const Value* collect(Kind k, std::vector<const Value*> items) {
    Value* v = make(k);
    v->items = std::move(items);
    return v;
  }
  const Value* tuple_of_top(int n) {
    std::vector<const Value*> items(static_cast<size_t>(n));
    for (int i = n - 1; i >= 0; --i) items[size_t(i)] = pop();
    return collect(Kind::tuple, std::move(items));
  }
  const Value* make_dict(std::vector<const Value*> kv) {
    if (kv.size() % 2) fail("DICT with an odd number of items");
    return collect(Kind::dict, std::move(kv));
  }

  // ---- mutation ----
  void append(const std::vector<const Value*>& items) {
    Value* list = top();
    if (list->kind != Kind::list) fail(std::string("APPEND to a ") + kind_name(list->kind));
    list->items.insert(list->items.end(), items.begin(), items.end());
  }
  void set_items(const std::vector<const Value*>& kv) {
    Value* dict = top();
    if (dict->kind != Kind::dict) fail(std::string("SETITEM on a ") + kind_name(dict->kind));
    if (kv.size() % 2) fail("SETITEMS with an odd number of items");
    dict->items.insert(dict->items.end(), kv.begin(), kv.end());
  }
  // BUILD sets an object's state; only dicts (OrderedDict's _metadata) and opaque
  // objects take one, and nothing here reads it.
  void build() {
    pop();  // the state
    const Value* target = top();
    if (target->kind != Kind::dict && target->kind != Kind::call) fail(std::string("BUILD on a ") + kind_name(target->kind));
  }
  void global(const std::string& module, const std::string& name) {
    Value* v = make(Kind::global);
    v->text = module + "." + name;
    push(v);
  }
  // collections.OrderedDict() becomes a dict at once (SETITEMS fill it next); any
  // other callable stays a Call node.
  void call(const Value* callable, const Value* args) {
    if (callable->kind != Kind::global) fail(std::string("call of a ") + kind_name(callable->kind));
    if (args->kind != Kind::tuple) fail("call of " + callable->text + " without an argument tuple");
    if (callable->text == "collections.OrderedDict") {
      if (!args->items.empty()) fail("OrderedDict built from arguments");
      push(make(Kind::dict));
      return;
    }
    Value* v = make(Kind::call);
    v->items = {callable, args};
    push(v);
  }
  const Value* stop() {
    if (!marks_.empty() || stack_.size() != 1) fail("pickle stops with " + std::to_string(stack_.size()) + " values on its stack");
    if (pos_ != in_.size()) fail("data after the pickle's STOP");
    return stack_.back();
  }

  std::string_view in_;
  const std::string& origin_;
  std::deque<Value>& arena_;
  size_t pos_ = 0, op_at_ = 0;
  std::vector<Value*> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Value*> memo_;
};

}  // namespace

Unpickled unpickle(std::string_view bytes, const std::string& origin) {
  Unpickled u;
  u.root_ = Machine(bytes, origin, u.arena_).run();
  return u;
}

}  // namespace ttq::format::pickle
