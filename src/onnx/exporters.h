// The graph body of each precision, written into a graph whose input "input" and output
// "logits" export_onnx.cpp declares.
#pragma once

#include "format/model_file.h"
#include "onnx/onnx_graph_writer.h"

namespace ttq::onnx_export {

void write_fp32_graph(const format::ModelFile& m, OnnxGraphWriter& w);
void write_qdq_graph(const format::ModelFile& m, OnnxGraphWriter& w);

}  // namespace ttq::onnx_export
