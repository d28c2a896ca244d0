// The Node-API surface of the addon (plain node_api.h, no wrapper library).
//
// Buffers stay JavaScript typed arrays: each call receives them as arguments and reads their data
// pointers (zero-copy). Everything else a call needs (ISA, thread count, op codes, shapes, strides,
// offsets) is written by the TypeScript side into one shared Float64Array, registered once with
// init(), and read here in the same order (src/addon.ts writes it). The layout of a view is
// [dtype, rank, offset, shape..., strides...]; each call starts with [isa index, threads].
#define NAPI_VERSION 8
#include <node_api.h>

#include <atomic>
#include <cstring>
#include <thread>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include "ops.h"

namespace tessera {
namespace {

struct Instance {
  napi_ref meta_ref = nullptr;
  const double* meta = nullptr;
  size_t meta_length = 0;
};

std::atomic<int> live_environments{0};

constexpr int kMaxIsas = 8;
IsaChoice g_isas[kMaxIsas];
int g_isa_count = 0;

class Reader {
 public:
  explicit Reader(const Instance* instance) : meta_(instance->meta), length_(instance->meta_length) {}
  double number() { return position_ < length_ ? meta_[position_++] : 0.0; }
  long integer() { return (long)number(); }
  bool ok() const { return meta_ != nullptr && position_ <= length_; }

 private:
  const double* meta_;
  size_t length_;
  size_t position_ = 0;
};

bool throw_error(napi_env env, const char* message) {
  napi_throw_error(env, "TESSERA_NATIVE", message);
  return false;
}

// Data pointer of a typed array argument (nullptr for null/undefined).
bool array_data(napi_env env, napi_value value, void** data) {
  napi_valuetype type;
  napi_typeof(env, value, &type);
  if (type == napi_undefined || type == napi_null) {
    *data = nullptr;
    return true;
  }
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return throw_error(env, "expected a typed array");
  napi_typedarray_type array_type;
  size_t length;
  napi_value buffer;
  size_t byte_offset;
  if (napi_get_typedarray_info(env, value, &array_type, &length, data, &buffer, &byte_offset) != napi_ok)
    return throw_error(env, "could not read a typed array");
  return true;
}

struct Call {
  napi_env env;
  Instance* instance = nullptr;
  static constexpr size_t kMaxArgs = 12;
  napi_value args[kMaxArgs];
  size_t argc = kMaxArgs;
  void* data[kMaxArgs] = {};
  Context context{};

  bool begin(napi_env e, napi_callback_info info, size_t arrays) {
    env = e;
    napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
    napi_get_instance_data(env, reinterpret_cast<void**>(&instance));
    if (!instance || !instance->meta) return throw_error(env, "init() was not called");
    if (argc < arrays) return throw_error(env, "missing arguments");
    for (size_t i = 0; i < arrays; i++)
      if (!array_data(env, args[i], &data[i])) return false;
    return true;
  }

  bool read_context(Reader& reader) {
    const long isa = reader.integer();
    const long threads = reader.integer();
    if (isa < 0 || isa >= g_isa_count || !g_isas[isa].table) return throw_error(env, "unknown or unavailable instruction set");
    context.isa = g_isas[isa].table;
    context.threads = (int)std::max<long>(1, threads);
    return true;
  }
};

bool read_view(Reader& reader, void* data, View* view) {
  view->data = data;
  view->dtype = (int)reader.integer();
  view->rank = (int)reader.integer();
  view->offset = reader.integer();
  if (view->rank < 0 || view->rank > kMaxRank) return false;
  for (int d = 0; d < view->rank; d++) view->shape[d] = reader.integer();
  for (int d = 0; d < view->rank; d++) view->strides[d] = reader.integer();
  return data != nullptr || view->size() == 0;
}

napi_value number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

napi_value undefined(napi_env env) {
  napi_value result;
  napi_get_undefined(env, &result);
  return result;
}

#define BEGIN(arrays)                                     \
  Call call;                                              \
  if (!call.begin(env, info, arrays)) return nullptr;     \
  Reader reader(call.instance);                           \
  if (!call.read_context(reader)) return nullptr;
#define VIEW(name, index)                                                                     \
  View name;                                                                                  \
  if (!read_view(reader, call.data[index], &name)) {                                          \
    throw_error(env, "malformed view (rank over 16, or a missing buffer)");                   \
    return nullptr;                                                                           \
  }

napi_value Init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  napi_get_cb_info(env, info, &argc, args, nullptr, nullptr);
  Instance* instance = nullptr;
  napi_get_instance_data(env, reinterpret_cast<void**>(&instance));
  if (argc < 1 || !instance) {
    napi_throw_error(env, "TESSERA_NATIVE", "init(meta: Float64Array) expects the shared metadata array");
    return nullptr;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t byte_offset;
  if (napi_get_typedarray_info(env, args[0], &type, &length, &data, &buffer, &byte_offset) != napi_ok || type != napi_float64_array) {
    napi_throw_error(env, "TESSERA_NATIVE", "init(meta) expects a Float64Array");
    return nullptr;
  }
  if (instance->meta_ref) napi_delete_reference(env, instance->meta_ref);
  napi_create_reference(env, args[0], 1, &instance->meta_ref);
  instance->meta = static_cast<const double*>(data);
  instance->meta_length = length;

  napi_value result, isas;
  napi_create_object(env, &result);
  napi_create_array_with_length(env, g_isa_count, &isas);
  for (int i = 0; i < g_isa_count; i++) {
    napi_value entry, name, available, reason;
    napi_create_object(env, &entry);
    napi_create_string_utf8(env, g_isas[i].name, NAPI_AUTO_LENGTH, &name);
    napi_get_boolean(env, g_isas[i].table != nullptr, &available);
    napi_create_string_utf8(env, g_isas[i].why_not, NAPI_AUTO_LENGTH, &reason);
    napi_set_named_property(env, entry, "name", name);
    napi_set_named_property(env, entry, "available", available);
    napi_set_named_property(env, entry, "reason", reason);
    napi_set_element(env, isas, i, entry);
  }
  napi_set_named_property(env, result, "isas", isas);
  napi_value emulated;
#ifdef TESSERA_EMULATE_AVX512
  napi_get_boolean(env, true, &emulated);
#else
  napi_get_boolean(env, false, &emulated);
#endif
  napi_set_named_property(env, result, "emulatedAvx512", emulated);
  napi_set_named_property(env, result, "cores", number(env, std::max(1u, std::thread::hardware_concurrency())));
  return result;
}

napi_value Unary(napi_env env, napi_callback_info info) {
  BEGIN(2);
  const int op = (int)reader.integer();
  const double p0 = reader.number(), p1 = reader.number();
  VIEW(x, 0);
  unary(call.context, op, p0, p1, x, call.data[1]);
  return undefined(env);
}

napi_value Binary(napi_env env, napi_callback_info info) {
  BEGIN(3);
  const int op = (int)reader.integer();
  VIEW(a, 0);
  VIEW(b, 1);
  binary(call.context, op, a, b, call.data[2]);
  return undefined(env);
}

napi_value Compare(napi_env env, napi_callback_info info) {
  BEGIN(3);
  const int op = (int)reader.integer();
  VIEW(a, 0);
  VIEW(b, 1);
  compare(call.context, op, a, b, static_cast<uint8_t*>(call.data[2]));
  return undefined(env);
}

napi_value Where(napi_env env, napi_callback_info info) {
  BEGIN(4);
  VIEW(c, 0);
  VIEW(a, 1);
  VIEW(b, 2);
  where(call.context, c, a, b, call.data[3]);
  return undefined(env);
}

napi_value Cast(napi_env env, napi_callback_info info) {
  BEGIN(2);
  const int dtype = (int)reader.integer();
  VIEW(x, 0);
  cast(call.context, x, dtype, call.data[1]);
  return undefined(env);
}

napi_value Copy(napi_env env, napi_callback_info info) {
  BEGIN(2);
  const long y_offset = reader.integer();
  VIEW(x, 0);
  long y_strides[kMaxRank];
  for (int d = 0; d < x.rank; d++) y_strides[d] = reader.integer();
  char* y = static_cast<char*>(call.data[1]);
  if (y) y += y_offset * dtype_size(x.dtype);
  copy_into(call.context, x, y, y_strides);
  return undefined(env);
}

napi_value Reduce(napi_env env, napi_callback_info info) {
  BEGIN(2);
  const int op = (int)reader.integer();
  const uint32_t axes = (uint32_t)reader.integer();
  VIEW(x, 0);
  reduce(call.context, op, x, axes, call.data[1]);
  return undefined(env);
}

napi_value Matmul(napi_env env, napi_callback_info info) {
  BEGIN(3);
  VIEW(a, 0);
  VIEW(b, 1);
  const int y_dtype = (int)reader.integer();
  matmul(call.context, a, b, call.data[2], y_dtype);
  return undefined(env);
}

napi_value Softmax(napi_env env, napi_callback_info info) {
  BEGIN(2);
  const int axis = (int)reader.integer();
  const bool log = reader.integer() != 0;
  VIEW(x, 0);
  softmax(call.context, x, axis, log, call.data[1]);
  return undefined(env);
}

napi_value LayerNorm(napi_env env, napi_callback_info info) {
  BEGIN(4);
  const double eps = reader.number();
  VIEW(x, 0);
  VIEW(w, 1);
  if (call.data[2]) {
    VIEW(b, 2);
    layer_norm(call.context, x, w, &b, eps, call.data[3]);
  } else {
    layer_norm(call.context, x, w, nullptr, eps, call.data[3]);
  }
  return undefined(env);
}

napi_value CrossEntropy(napi_env env, napi_callback_info info) {
  BEGIN(3);
  const long ignore = reader.integer();
  VIEW(logits, 0);
  VIEW(targets, 1);
  return number(env, (double)cross_entropy(call.context, logits, targets, ignore, call.data[2]));
}

napi_value GeluBackward(napi_env env, napi_callback_info info) {
  BEGIN(3);
  const bool tanh_form = reader.integer() != 0;
  VIEW(dy, 0);
  VIEW(x, 1);
  gelu_backward(call.context, dy, x, tanh_form, call.data[2]);
  return undefined(env);
}

napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  BEGIN(6);
  const double eps = reader.number();
  VIEW(dy, 0);
  VIEW(x, 1);
  VIEW(w, 2);
  layer_norm_backward(call.context, dy, x, w, eps, call.data[3], call.data[4], call.data[5]);
  return undefined(env);
}

napi_value CrossEntropyBackward(napi_env env, napi_callback_info info) {
  BEGIN(4);
  const long ignore = reader.integer();
  VIEW(logits, 0);
  VIEW(targets, 1);
  VIEW(dy, 2);
  return number(env, (double)cross_entropy_backward(call.context, logits, targets, dy, ignore, call.data[3]));
}

napi_value Gather(napi_env env, napi_callback_info info) {
  BEGIN(3);
  VIEW(weight, 0);
  VIEW(ids, 1);
  return number(env, (double)gather(call.context, weight, ids, call.data[2]));
}

napi_value ScatterAdd(napi_env env, napi_callback_info info) {
  BEGIN(3);
  const long rows = reader.integer();
  VIEW(dy, 0);
  VIEW(ids, 1);
  return number(env, (double)scatter_add(call.context, dy, ids, rows, call.data[2]));
}

// The shared part of both attention calls: scale, causal, whether a mask view follows; q, k, v
// views (then the mask view). Geometry comes from the q and k shapes.
bool read_attention(Call& call, Reader& reader, AttentionArgs* a, View* q, View* k, View* v, View* mask, int mask_index,
                    int slopes_index) {
  a->scale = reader.number();
  a->causal = reader.integer() != 0;
  const bool has_mask = reader.integer() != 0;
  if (!read_view(reader, call.data[0], q) || !read_view(reader, call.data[1], k) || !read_view(reader, call.data[2], v) ||
      (has_mask && !read_view(reader, call.data[mask_index], mask)) || q->rank != 4 || k->rank != 4 || v->rank != 4)
    return throw_error(call.env, "malformed attention views");
  a->B = q->shape[0];
  a->H = q->shape[1];
  a->Tq = q->shape[2];
  a->hd = q->shape[3];
  a->G = k->shape[1];
  a->Tk = k->shape[2];
  if (a->G <= 0 || a->H % a->G != 0) return throw_error(call.env, "attention: G must divide H");
  a->mask = has_mask ? mask->at<uint8_t>(0) : nullptr;
  a->slopes = static_cast<const double*>(call.data[slopes_index]);
  return true;
}

// attention(q, k, v, mask | null, slopes: Float64Array | null, y)
napi_value Attention(napi_env env, napi_callback_info info) {
  BEGIN(6);
  AttentionArgs a{};
  View q, k, v, mask;
  if (!read_attention(call, reader, &a, &q, &k, &v, &mask, 3, 4)) return nullptr;
  attention_forward(call.context, a, q, k, v, call.data[5]);
  return undefined(env);
}

// attentionBackward(q, k, v, out, dOut, mask | null, slopes | null, dq, dk, dv); views: q, k, v,
// (mask), out, dOut.
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  BEGIN(10);
  AttentionArgs a{};
  View q, k, v, mask;
  if (!read_attention(call, reader, &a, &q, &k, &v, &mask, 5, 6)) return nullptr;
  VIEW(out, 3);
  VIEW(dout, 4);
  attention_backward(call.context, a, q, k, v, out, dout, call.data[7], call.data[8], call.data[9]);
  return undefined(env);
}

// lionStep(p, g, m, pOut, mOut); meta: lr, beta1, beta2, hasDecay, decay, views p, g, m.
napi_value LionStep(napi_env env, napi_callback_info info) {
  BEGIN(5);
  OptimizerStep s{};
  s.lr = reader.number();
  s.beta1 = reader.number();
  s.beta2 = reader.number();
  s.has_decay = reader.integer() != 0;
  s.decay = reader.number();
  VIEW(p, 0);
  VIEW(g, 1);
  VIEW(m, 2);
  lion_step(call.context, s, p, g, m, call.data[3], call.data[4]);
  return undefined(env);
}

// adamStep(p, g, m, v, pOut, mOut, vOut); meta: stepSize, beta1, beta2, eps, correction2, hasDecay,
// decay, views p, g, m, v.
napi_value AdamStep(napi_env env, napi_callback_info info) {
  BEGIN(7);
  OptimizerStep s{};
  s.lr = reader.number();
  s.beta1 = reader.number();
  s.beta2 = reader.number();
  s.eps = reader.number();
  s.correction2 = reader.number();
  s.has_decay = reader.integer() != 0;
  s.decay = reader.number();
  VIEW(p, 0);
  VIEW(g, 1);
  VIEW(m, 2);
  VIEW(v, 3);
  adam_step(call.context, s, p, g, m, v, call.data[4], call.data[5], call.data[6]);
  return undefined(env);
}

// Ask for transparent huge pages on the 2 MB-aligned interior of [data, data + bytes) when it is
// big and not yet touched: a fresh multi-megabyte typed array otherwise costs one page fault per
// 4 KB on first write (about 13 ms for 16 MB on a virtual machine, 5 ms with huge pages).
void advise_huge_pages(void* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = 2u << 20;
  if (bytes < 2 * kHuge) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

bool byte_length(napi_env env, napi_value value, size_t* bytes) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  napi_value buffer;
  size_t byte_offset;
  if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &byte_offset) != napi_ok) return false;
  switch (type) {
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: *bytes = length * 8; break;
    case napi_float32_array: case napi_int32_array: case napi_uint32_array: *bytes = length * 4; break;
    case napi_int16_array: case napi_uint16_array: *bytes = length * 2; break;
    default: *bytes = length; break;
  }
  return true;
}

// adviseHugePages(array): see advise_huge_pages; for new, untouched buffers.
napi_value AdviseHugePages(napi_env env, napi_callback_info info) {
  Call call;
  if (!call.begin(env, info, 1)) return nullptr;
  size_t bytes = 0;
  if (call.data[0] && byte_length(env, call.args[0], &bytes)) advise_huge_pages(call.data[0], bytes);
  return undefined(env);
}

// copyOut(source, target): target (a new array of the same type and length) = source, its pages
// advised huge and copied by several threads (faulting fresh pages in parallel). Meta: [isa, threads].
napi_value CopyOut(napi_env env, napi_callback_info info) {
  BEGIN(2);
  size_t source_bytes = 0, target_bytes = 0;
  if (!byte_length(env, call.args[0], &source_bytes) || !byte_length(env, call.args[1], &target_bytes)) return nullptr;
  const size_t bytes = std::min(source_bytes, target_bytes);
  advise_huge_pages(call.data[1], bytes);
  const char* from = static_cast<const char*>(call.data[0]);
  char* to = static_cast<char*>(call.data[1]);
  constexpr long kChunk = 1 << 20;
  const long chunks = (long)((bytes + kChunk - 1) / kChunk);
  parallel_ranges(call.context.threads, chunks, 4, [&](long begin, long end) {
    const size_t first = (size_t)begin * kChunk;
    const size_t last = std::min(bytes, (size_t)end * kChunk);
    std::memcpy(to + first, from + first, last - first);
  });
  return undefined(env);
}

void Cleanup(void*) {
  // The last environment going away stops the workers (before the process exits).
  if (live_environments.fetch_sub(1) == 1) Pool::instance().shutdown();
}

void FreeInstance(napi_env env, void* data, void*) {
  Instance* instance = static_cast<Instance*>(data);
  if (instance->meta_ref) napi_delete_reference(env, instance->meta_ref);
  delete instance;
}

napi_value ModuleInit(napi_env env, napi_value exports) {
  if (g_isa_count == 0) g_isa_count = isa_choices(g_isas, kMaxIsas);
  live_environments.fetch_add(1);
  napi_add_env_cleanup_hook(env, Cleanup, nullptr);
  napi_set_instance_data(env, new Instance(), FreeInstance, nullptr);
  const napi_property_descriptor properties[] = {
    {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"unary", nullptr, Unary, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"compare", nullptr, Compare, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"where", nullptr, Where, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"cast", nullptr, Cast, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"copy", nullptr, Copy, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"reduce", nullptr, Reduce, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"matmul", nullptr, Matmul, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"softmax", nullptr, Softmax, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"crossEntropy", nullptr, CrossEntropy, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"gather", nullptr, Gather, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"geluBackward", nullptr, GeluBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"layerNormBackward", nullptr, LayerNormBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"crossEntropyBackward", nullptr, CrossEntropyBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"scatterAdd", nullptr, ScatterAdd, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"attention", nullptr, Attention, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"attentionBackward", nullptr, AttentionBackward, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"lionStep", nullptr, LionStep, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"adamStep", nullptr, AdamStep, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"adviseHugePages", nullptr, AdviseHugePages, nullptr, nullptr, nullptr, napi_default, nullptr},
    {"copyOut", nullptr, CopyOut, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}

}  // namespace
}  // namespace tessera

NAPI_MODULE(NODE_GYP_MODULE_NAME, tessera::ModuleInit)
