// Checkpoints and safetensors weights: bit-identical round trip; truncated, corrupted and mismatched files are rejected
// with a one-line InputError and leave the network untouched.
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <fstream>
#include <sys/wait.h>

#include "core/files.hpp"
#include "core/synthetic.hpp"
#include "nn/checkpoint.hpp"
#include "nn/cpu_backend.hpp"
#include "nn/network.hpp"
#include "nn/safetensors.hpp"

using namespace at;
using namespace at::nn;

namespace {

std::string temp_path(const std::string& name) { return "/tmp/alphatensor_test_nn_" + name; }

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

// Expects load() to throw an InputError whose single-line message names the file.
void expect_rejected(Network& net, const std::string& path) {
  try {
    net.load(path);
    BOOST_FAIL("checkpoint " + path + " was accepted");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    BOOST_TEST(msg.find(path) == 0u);
    BOOST_TEST(msg.find('\n') == std::string::npos);
    BOOST_TEST_MESSAGE(msg);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(checkpoint)

BOOST_AUTO_TEST_CASE(round_trip_is_bit_identical_and_bad_files_are_rejected) {
  const ModelConfig cfg = make_config("small", {"torso_layers=1", "c=16"});
  CpuBackend<float> be;
  Network net(cfg, be, 3);
  Rng rng(1);
  SyntheticConfig sc;
  sc.max_rank = 4;
  const std::vector<TrainExample> batch =
      demonstration_examples(sample_demonstration(4, 4, 4, cfg.field, sc, rng), cfg.field, net.model().codec());
  net.train_step(batch);
  net.train_step(batch);
  const std::string path = temp_path("a.ckpt"), again = temp_path("b.ckpt");
  net.save(path);

  CpuBackend<float> be2;
  Network loaded(cfg, be2, 99);
  loaded.load(path);
  BOOST_TEST(loaded.step() == 2);
  loaded.save(again);
  BOOST_TEST((read_file(path, size_t(1) << 30) == read_file(again, size_t(1) << 30)));
  // Training continues identically from the checkpoint (moments and RNG restored).
  net.train_step(batch);
  loaded.train_step(batch);
  BOOST_TEST((net.get_params() == loaded.get_params()));

  const std::string bytes = read_file(path, size_t(1) << 30);
  const std::vector<float> before = loaded.get_params();
  write_raw(temp_path("trunc.ckpt"), bytes.substr(0, bytes.size() / 2));
  expect_rejected(loaded, temp_path("trunc.ckpt"));
  std::string flipped = bytes;
  flipped[bytes.size() / 3] ^= 0x10;
  write_raw(temp_path("flip.ckpt"), flipped);
  expect_rejected(loaded, temp_path("flip.ckpt"));
  write_raw(temp_path("junk.ckpt"), "not a checkpoint");
  expect_rejected(loaded, temp_path("junk.ckpt"));
  write_raw(temp_path("empty.ckpt"), "");
  expect_rejected(loaded, temp_path("empty.ckpt"));
  expect_rejected(loaded, temp_path("missing.ckpt"));
  BOOST_TEST((loaded.get_params() == before));

  CpuBackend<float> be3;
  Network other(make_config("small", {"torso_layers=1", "c=32"}), be3, 3);
  expect_rejected(other, path);
  for (const char* f : {"a.ckpt", "b.ckpt", "trunc.ckpt", "flip.ckpt", "junk.ckpt", "empty.ckpt"})
    std::remove(temp_path(f).c_str());
}

namespace {
int run_binary(const std::string& args, std::string* out) {
  FILE* p = ::popen((std::string(ALPHATENSOR_BINARY) + " " + args + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
}  // namespace

// The safetensors file has the published layout: header length, JSON header, F32 data.
BOOST_AUTO_TEST_CASE(safetensors_layout_and_round_trip) {
  const ModelConfig cfg = make_config("small", {"torso_layers=1", "c=16"});
  CpuBackend<float> be;
  Network net(cfg, be, 4);
  const std::string path = temp_path("x.safetensors");
  write_weights(path, cfg, net.model().params_info(), net.get_params());
  const std::string bytes = read_file(path, size_t(1) << 30);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  BOOST_TEST(n % 8 == 0u);
  const auto header = nlohmann::json::parse(bytes.substr(8, n));
  const auto& w = header["policy.out.weight"];
  BOOST_TEST(w["dtype"] == "F32");
  BOOST_TEST((w["shape"] == nlohmann::json{cfg.dec_width(), cfg.vocab()}));
  const size_t begin = w["data_offsets"][0];
  float first;
  std::memcpy(&first, bytes.data() + 8 + n + begin, 4);
  const ParamInfo* info = nullptr;
  for (const ParamInfo& p : net.model().params_info())
    if (p.name == "policy.out.weight") info = &p;
  BOOST_TEST_REQUIRE(info != nullptr);
  BOOST_TEST(first == net.get_params()[info->offset]);
  const SafetensorsFile f = read_safetensors(path);
  BOOST_TEST((weights_config(f, path) == cfg));
  BOOST_TEST((gather_params(f, net.model().params_info(), path) == net.get_params()));
  CpuBackend<float> be2;
  Network other(make_config("small", {"torso_layers=1", "c=32"}), be2, 4);
  BOOST_CHECK_THROW(gather_params(f, other.model().params_info(), path), InputError);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(model_info_command) {
  const std::string path = temp_path("cli.ckpt");
  std::string out;
  BOOST_TEST(run_binary("model init -o " + path + " --set c=16 --set torso_layers=1", &out) == 0, out);
  out.clear();
  BOOST_TEST(run_binary("model info " + path, &out) == 0, out);
  BOOST_TEST(out.find("c=16\n") != std::string::npos, out);
  BOOST_TEST(out.find("parameters: ") != std::string::npos, out);
  // Export to safetensors and import back: the same weights.
  const std::string st = temp_path("w.safetensors"), back = temp_path("back.ckpt");
  out.clear();
  BOOST_TEST(run_binary("model export " + path + " -o " + st, &out) == 0, out);
  out.clear();
  BOOST_TEST(run_binary("model import " + st + " -o " + back, &out) == 0, out);
  BOOST_TEST((read_checkpoint(back).params == read_checkpoint(path).params));
  std::remove(back.c_str());
  // A truncated file (tensors beyond the data) is rejected with exit code 2.
  const std::string whole = read_file(st, size_t(1) << 30);
  write_raw(st, whole.substr(0, whole.size() / 2));
  out.clear();
  BOOST_TEST(run_binary("model import " + st + " -o " + back, &out) == 2, out);
  std::remove(st.c_str());
  write_raw(path, read_file(path, size_t(1) << 30).substr(0, 100));
  out.clear();
  BOOST_TEST(run_binary("model info " + path, &out) == 2, out);
  BOOST_TEST(out.find("checksum mismatch") != std::string::npos, out);
  out.clear();
  BOOST_TEST(run_binary("model init -o " + path + " --set nope=1", &out) == 2, out);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
