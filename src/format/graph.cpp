#include "format/graph.h"

#include <set>

#include "common/error.h"

namespace ttq::format {
namespace {

using nlohmann::json;

json pair(int64_t v) { return json::array({v, v}); }

void require(bool ok, const std::string& what) {
  if (!ok) throw FormatError("invalid graph: " + what, "the model file is corrupt or from an incompatible exporter");
}

int64_t int_attr(const Node& n, const char* key, int64_t min_value) {
  require(n.attrs.contains(key) && n.attrs[key].is_number_integer(), "node '" + n.name + "' lacks integer attr '" + key + "'");
  const int64_t v = n.attrs[key].get<int64_t>();
  require(v >= min_value && v <= (int64_t(1) << 24), "node '" + n.name + "' attr '" + key + "' out of range");
  return v;
}

void pair_attr(const Node& n, const char* key, int64_t min_value) {
  require(n.attrs.contains(key) && n.attrs[key].is_array() && n.attrs[key].size() == 2,
          "node '" + n.name + "' attr '" + key + "' must be a pair");
  for (const auto& v : n.attrs[key]) {
    require(v.is_number_integer() && v.get<int64_t>() >= min_value && v.get<int64_t>() <= 4096,
            "node '" + n.name + "' attr '" + key + "' out of range");
  }
}

void validate_node(const Node& n) {
  const auto arity = [&](size_t lo, size_t hi) {
    require(n.inputs.size() >= lo && n.inputs.size() <= hi, "node '" + n.name + "' (" + n.op + ") has wrong input count");
  };
  if (n.op == "conv2d") {
    arity(1, 1);
    int_attr(n, "in_channels", 1);
    int_attr(n, "out_channels", 1);
    const int64_t g = int_attr(n, "groups", 1);
    require(n.attrs["in_channels"].get<int64_t>() % g == 0 && n.attrs["out_channels"].get<int64_t>() % g == 0,
            "node '" + n.name + "' groups do not divide channels");
    pair_attr(n, "kernel", 1);
    pair_attr(n, "stride", 1);
    pair_attr(n, "padding", 0);
    require(!n.attrs.contains("int8") || n.attrs["int8"].is_boolean(), "node '" + n.name + "' attr 'int8' must be a boolean");
  } else if (n.op == "linear") {
    arity(1, 1);
    int_attr(n, "in_features", 1);
    int_attr(n, "out_features", 1);
  } else if (n.op == "batchnorm") {
    arity(1, 1);
    int_attr(n, "channels", 1);
  } else if (n.op == "relu" || n.op == "global_avgpool" || n.op == "flatten") {
    arity(1, 1);
  } else if (n.op == "add") {
    arity(2, 2);
  } else if (n.op == "concat") {
    arity(1, 1024);
  } else if (n.op == "maxpool2d" || n.op == "avgpool2d") {
    arity(1, 1);
    pair_attr(n, "kernel", 1);
    pair_attr(n, "stride", 1);
    pair_attr(n, "padding", 0);
  } else {
    require(false, "unknown op '" + n.op + "' in node '" + n.name + "'");
  }
}

}  // namespace

json Graph::to_json() const {
  json nodes_json = json::array();
  for (const auto& n : nodes) {
    nodes_json.push_back({{"op", n.op}, {"name", n.name}, {"inputs", n.inputs}, {"output", n.output}, {"attrs", n.attrs}});
  }
  return {{"input_shape", input_shape}, {"nodes", nodes_json}, {"output", output}};
}

Graph Graph::from_json(const json& j) {
  require(j.is_object(), "graph is not an object");
  Graph g;
  require(j.contains("input_shape") && j["input_shape"].is_array() && j["input_shape"].size() == 3, "input_shape must be [C,H,W]");
  for (int i = 0; i < 3; ++i) {
    const auto& v = j["input_shape"][i];
    require(v.is_number_integer() && v.get<int64_t>() >= 1 && v.get<int64_t>() <= 65536, "input_shape out of range");
    g.input_shape[i] = v.get<int64_t>();
  }
  require(j.contains("nodes") && j["nodes"].is_array(), "nodes must be an array");
  require(j.contains("output") && j["output"].is_string(), "output must be a string");
  std::set<std::string> defined{"input"}, names;
  for (const auto& jn : j["nodes"]) {
    require(jn.is_object(), "node is not an object");
    for (const char* key : {"op", "name", "output"}) require(jn.contains(key) && jn[key].is_string(), std::string("node lacks string '") + key + "'");
    require(jn.contains("inputs") && jn["inputs"].is_array(), "node lacks 'inputs'");
    Node n;
    n.op = jn["op"];
    n.name = jn["name"];
    n.output = jn["output"];
    for (const auto& in : jn["inputs"]) {
      require(in.is_string(), "node '" + n.name + "' input is not a string");
      require(defined.count(in.get<std::string>()) > 0, "node '" + n.name + "' reads '" + in.get<std::string>() + "' before it is defined");
      n.inputs.push_back(in);
    }
    if (jn.contains("attrs")) {
      require(jn["attrs"].is_object(), "node '" + n.name + "' attrs is not an object");
      n.attrs = jn["attrs"];
    }
    require(names.insert(n.name).second, "duplicate node name '" + n.name + "'");
    require(defined.insert(n.output).second, "activation '" + n.output + "' defined twice");
    validate_node(n);
    g.nodes.push_back(std::move(n));
  }
  g.output = j["output"];
  require(defined.count(g.output) > 0, "graph output '" + g.output + "' is never defined");
  return g;
}

std::string GraphBuilder::emit(const std::string& op, const std::string& name, std::vector<std::string> inputs, json attrs) {
  Node n;
  n.op = op;
  n.name = name.empty() ? op + "_" + std::to_string(counter_) : name;
  n.inputs = std::move(inputs);
  n.output = "t" + std::to_string(counter_++);
  n.attrs = std::move(attrs);
  graph_.nodes.push_back(n);
  return n.output;
}

std::string GraphBuilder::conv2d(const std::string& name, const std::string& x, int64_t in_ch, int64_t out_ch, int64_t kernel,
                                 int64_t stride, int64_t padding, int64_t groups) {
  return emit("conv2d", name, {x},
              {{"in_channels", in_ch}, {"out_channels", out_ch}, {"kernel", pair(kernel)}, {"stride", pair(stride)},
               {"padding", pair(padding)}, {"groups", groups}});
}
std::string GraphBuilder::linear(const std::string& name, const std::string& x, int64_t in_f, int64_t out_f) {
  return emit("linear", name, {x}, {{"in_features", in_f}, {"out_features", out_f}});
}
std::string GraphBuilder::batchnorm(const std::string& name, const std::string& x, int64_t channels) {
  return emit("batchnorm", name, {x}, {{"channels", channels}});
}
std::string GraphBuilder::relu(const std::string& x) { return emit("relu", "", {x}, json::object()); }
std::string GraphBuilder::add(const std::string& a, const std::string& b) { return emit("add", "", {a, b}, json::object()); }
std::string GraphBuilder::concat(const std::vector<std::string>& xs) { return emit("concat", "", xs, json::object()); }
std::string GraphBuilder::maxpool2d(const std::string& x, int64_t k, int64_t s, int64_t p) {
  return emit("maxpool2d", "", {x}, {{"kernel", pair(k)}, {"stride", pair(s)}, {"padding", pair(p)}});
}
std::string GraphBuilder::avgpool2d(const std::string& x, int64_t k, int64_t s, int64_t p) {
  return emit("avgpool2d", "", {x}, {{"kernel", pair(k)}, {"stride", pair(s)}, {"padding", pair(p)}});
}
std::string GraphBuilder::global_avgpool(const std::string& x) { return emit("global_avgpool", "", {x}, json::object()); }
std::string GraphBuilder::flatten(const std::string& x) { return emit("flatten", "", {x}, json::object()); }

Graph GraphBuilder::finish(const std::string& output) {
  graph_.output = output;
  return Graph::from_json(graph_.to_json());  // validate what we built
}

}  // namespace ttq::format
