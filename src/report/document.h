// The report as a document: sections of paragraphs, tables and charts. The
// builder fills it once; the Markdown and HTML writers render the same content.
#pragma once

#include <string>
#include <vector>

#include "report/svg_chart.h"

namespace ttq::report {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> code_column;  // cells shown as code (commands); may be shorter than header
  bool is_code(size_t column) const { return column < code_column.size() && code_column[column]; }
  // A column of figures (right-aligned): every cell that holds a value starts with a digit or a sign.
  bool is_numeric(size_t column) const;
};

struct Block {
  enum class Kind { Paragraph, Note, Table, Chart };
  Kind kind = Kind::Paragraph;
  std::string text;  // Paragraph, Note (a highlighted remark)
  Table table;
  Chart chart;
};

struct Section {
  std::string id;     // anchor, [a-z0-9-]
  std::string title;
  std::vector<Block> blocks;

  void paragraph(std::string text) { blocks.push_back({Block::Kind::Paragraph, std::move(text), {}, {}}); }
  void note(std::string text) { blocks.push_back({Block::Kind::Note, std::move(text), {}, {}}); }
  void table(Table t) { blocks.push_back({Block::Kind::Table, {}, std::move(t), {}}); }
  void chart(Chart c) { blocks.push_back({Block::Kind::Chart, {}, {}, std::move(c)}); }
};

struct Document {
  std::string title;
  std::vector<std::string> intro;  // paragraphs before the sections
  std::vector<Section> sections;

  // Charts with data (each becomes one <svg>) and charts that say they have none.
  int charts_with_data() const;
  int charts_without_data() const;
};

}  // namespace ttq::report
