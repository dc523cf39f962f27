#pragma once
// File helpers that never leave a half-written file: write to a temporary file in the same
// folder, fsync, rename over the target, fsync the folder.
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>

namespace at {

// Bad input (unreadable file, malformed content): the CLI prints the one-line message and exits 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a whole file; throws InputError (naming the file) if missing or larger than max_bytes.
std::string read_file(const std::string& path, size_t max_bytes = size_t(64) << 20);
// Atomically replaces `path` with `content` (creates parent folders). Throws std::runtime_error.
void write_file_atomic(const std::string& path, const std::string& content);
// Calls f on each line of a file (without its newline; up to 1 GiB read); a missing or unreadable
// file has none. For the JSON-lines logs (found.jsonl, runtime_times.jsonl).
void for_each_line(const std::string& path, const std::function<void(const std::string&)>& f);
// Appends one line and fsyncs (append-only logs survive kill -9 up to the last full line).
void append_line(const std::string& path, const std::string& line);
// Drops a torn last line (no final newline: the writer died mid-append) so that the next append
// starts a fresh line; returns the bytes dropped (0: the file ends cleanly or does not exist).
size_t repair_last_line(const std::string& path);
// Removes the temporary files write_file_atomic leaves when killed (NAME.tmp.PID, PID gone).
void remove_stale_temp_files(const std::string& dir);
// Creates a folder and its parents.
void make_dirs(const std::string& path);

}  // namespace at
