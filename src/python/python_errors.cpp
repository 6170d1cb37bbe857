#include "python/python_errors.h"

#include <string>

#include "common/error.h"

namespace py = pybind11;

namespace ttq::python {
namespace {

// Each class is created once at import and referenced for the life of the process (as
// pybind11's own register_exception does): no destructor runs after the interpreter ends.
PyObject* g_error = nullptr;
PyObject* g_file_error = nullptr;
PyObject* g_format_error = nullptr;
PyObject* g_shape_error = nullptr;
PyObject* g_argument_error = nullptr;

PyObject* new_class(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("ttq.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::reinterpret_borrow<py::object>(type));
  return type;  // the new reference is the one kept for the process
}

// Raises `type` with the one-line text, and .message / .hint set on the instance.
void raise(PyObject* type, const UserError& e) {
  py::object exc = py::reinterpret_steal<py::object>(PyObject_CallFunction(type, "s", e.one_line().c_str()));
  if (!exc) return;  // constructing it failed: that Python error stands instead
  if (PyObject_SetAttrString(exc.ptr(), "message", py::str(e.what()).ptr()) != 0 ||
      PyObject_SetAttrString(exc.ptr(), "hint", py::str(e.hint()).ptr()) != 0) {
    return;
  }
  PyErr_SetObject(type, exc.ptr());
}

}  // namespace

void register_errors(py::module_& m) {
  g_error = new_class(m, "Error", py::make_tuple(py::handle(PyExc_RuntimeError)),
                      "A ttq error a user can cause; str(e) is one line, e.message and e.hint its parts.");
  const py::handle base(g_error);
  g_file_error = new_class(m, "FileError", py::make_tuple(base, py::handle(PyExc_OSError)),
                           "A path that cannot be opened or read.");
  g_format_error = new_class(m, "FormatError", py::make_tuple(base),
                             "A model file whose contents are not what the format says (truncated, corrupt).");
  g_shape_error = new_class(m, "ShapeError", py::make_tuple(base, py::handle(PyExc_ValueError)),
                            "Images whose shape does not fit the model's input.");
  g_argument_error = new_class(m, "ArgumentError", py::make_tuple(base, py::handle(PyExc_ValueError)),
                               "An option or argument value that makes no sense.");
  // Most derived first; anything else goes on to pybind11's own translators.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FileError& e) {
      raise(g_file_error, e);
    } catch (const FormatError& e) {
      raise(g_format_error, e);
    } catch (const ShapeError& e) {
      raise(g_shape_error, e);
    } catch (const ArgumentError& e) {
      raise(g_argument_error, e);
    } catch (const UserError& e) {
      raise(g_error, e);
    }
  });
}

}  // namespace ttq::python
