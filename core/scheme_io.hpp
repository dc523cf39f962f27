#pragma once
// Scheme files: the JSON format of the public FMM collections, the .exp text format of the
// flip-graph collections (shared/README.md), and .txt, the plain-text files of the ternary
// flip-graph tools: a header "n m p R", then R rows of u (n·m coefficients each, A row-major),
// R rows of v (m·p, B row-major) and R rows of w (p·n, C transposed), whitespace-separated. Readers check everything and throw InputError with a
// one-line message naming the file; writers verify exactly before writing, and write atomically.
#include <string>
#include <vector>

#include "core/files.hpp"
#include "core/scheme.hpp"

namespace at {

enum class SchemeFileType { Json, Exp, Txt };
// By extension (.json, .exp, .txt); throws InputError otherwise.
SchemeFileType scheme_file_type(const std::string& path);

// `name` is the file name used in error messages.
Scheme parse_scheme_json(const std::string& text, const std::string& name);
// .exp declares no arithmetic: the scheme gets the natural field of its coefficients (Z or Q),
// or Z2 (else Z3) when it fails there but holds mod 2 (mod 3). The format comes from the largest indices, or from an
// "NxMxP" in `name` when present and consistent.
Scheme parse_scheme_exp(const std::string& text, const std::string& name);
// .txt: the field is found from the content as for .exp (Z, Q, else Z2 or Z3).
Scheme parse_scheme_txt(const std::string& text, const std::string& name);
Scheme read_scheme(const std::string& path);
// The scheme files (.json, .exp, .txt) in a folder, sorted by name, as paths. A folder that
// cannot be opened gives none, or an InputError when must_exist.
std::vector<std::string> scheme_files_in(const std::string& dir, bool must_exist = false);

std::string scheme_to_json(const Scheme& s);
std::string scheme_to_exp(const Scheme& s);
std::string scheme_to_txt(const Scheme& s);
// Readable formulas: "m1 = (a11+a22)*(b11+b22)" and "c11 = m1+m4-m5+m7".
std::vector<std::string> multiplication_formulas(const Scheme& s);
std::vector<std::string> element_formulas(const Scheme& s);

// Verifies in the scheme's field, then writes atomically (type by extension). Throws
// std::runtime_error without writing anything if the scheme is not valid.
void write_scheme(const std::string& path, const Scheme& s);

}  // namespace at
