// The runtime's user errors (src/common/error.h) as Python exceptions.
//
//   ttq.Error(RuntimeError)               any ttq::UserError
//   ttq.FileError(ttq.Error, OSError)     missing / unreadable path
//   ttq.FormatError(ttq.Error)            truncated or corrupt model file
//   ttq.ShapeError(ttq.Error, ValueError) images of the wrong shape
//   ttq.ArgumentError(ttq.Error, ValueError)  a bad option (threads, precision, dtype)
//
// str(e) is the one line the CLI would print ("what (hint)"); e.message and e.hint
// hold the two parts.
#pragma once

#include <pybind11/pybind11.h>

namespace ttq::python {

// Adds the classes above to the module and translates the C++ errors into them.
void register_errors(pybind11::module_& m);

}  // namespace ttq::python
