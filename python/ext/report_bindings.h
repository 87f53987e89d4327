#pragma once
// py-sweep's bindings of the report format and the sweep config (report_bindings.cpp), added to
// the fa_versus_ext module.
#include <pybind11/pybind11.h>

void bind_report(pybind11::module_& m);
