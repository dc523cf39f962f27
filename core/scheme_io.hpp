#pragma once
// Scheme files: the JSON format of the public FMM collections and the .exp text format of the
// flip-graph collections (shared/README.md). Readers check everything and throw InputError with a
// one-line message naming the file; writers verify exactly before writing, and write atomically.
#include <string>
#include <vector>

#include "core/files.hpp"
#include "core/scheme.hpp"

namespace at {

enum class SchemeFileType { Json, Exp };
// By extension (.json, .exp); throws InputError otherwise.
SchemeFileType scheme_file_type(const std::string& path);

// `name` is the file name used in error messages.
Scheme parse_scheme_json(const std::string& text, const std::string& name);
// .exp declares no arithmetic: the scheme gets the natural field of its coefficients (Z or Q),
// or Z2 (else Z3) when it fails there but holds mod 2 (mod 3). The format comes from the largest indices, or from an
// "NxMxP" in `name` when present and consistent.
Scheme parse_scheme_exp(const std::string& text, const std::string& name);
Scheme read_scheme(const std::string& path);
// Paths of the scheme files (.json, .exp) in a folder, sorted; InputError if it cannot be opened.
std::vector<std::string> scheme_files(const std::string& dir);

std::string scheme_to_json(const Scheme& s);
std::string scheme_to_exp(const Scheme& s);
// Readable formulas: "m1 = (a11+a22)*(b11+b22)" and "c11 = m1+m4-m5+m7".
std::vector<std::string> multiplication_formulas(const Scheme& s);
std::vector<std::string> element_formulas(const Scheme& s);

// Verifies in the scheme's field, then writes atomically (type by extension). Throws
// std::runtime_error without writing anything if the scheme is not valid.
void write_scheme(const std::string& path, const Scheme& s);

}  // namespace at
