// electra.hpp - small RAII wrappers over libelectra's C API, for this
// example only (the library ships no C++ API: the C ABI is the contract).
// Every handle is a std::unique_ptr with the matching electra_*_free, and
// every failed status becomes an el::Error carrying the library's message.
#ifndef ELECTRA_EXAMPLE_HPP
#define ELECTRA_EXAMPLE_HPP

#include <electra.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace el {

class Error : public std::runtime_error {
  public:
    Error(electra_status status, const char *message)
        : std::runtime_error(message && *message ? message : electra_status_string(status)),
          status_(status)
    {
    }
    electra_status status() const noexcept { return status_; }

  private:
    electra_status status_;
};

// detail: the per-handle message when there is one, else the thread's.
inline void check(electra_status status, const char *detail = nullptr)
{
    if (status != ELECTRA_OK)
        throw Error(status, detail && *detail ? detail : electra_last_error());
}

template <typename T, void (*Free)(T *)> struct Deleter {
    void operator()(T *p) const noexcept { Free(p); }
};
template <typename T, void (*Free)(T *)> using Handle = std::unique_ptr<T, Deleter<T, Free>>;

class Options {
  public:
    Options()
    {
        electra_options *o = nullptr;
        check(electra_options_create(&o));
        handle_.reset(o);
    }
    Options &set(electra_option key, std::int64_t value)
    {
        check(electra_options_set_int(handle_.get(), key, value),
              electra_options_last_error(handle_.get()));
        return *this;
    }
    const electra_options *get() const noexcept { return handle_.get(); }

  private:
    Handle<electra_options, electra_options_free> handle_;
};

class Model {
  public:
    explicit Model(const std::string &dir, const Options *options = nullptr)
    {
        electra_model *m = nullptr;
        check(electra_model_load(dir.c_str(), options ? options->get() : nullptr, &m));
        handle_.reset(m);
    }
    const electra_model *get() const noexcept { return handle_.get(); }
    // Owned by the model; throws when the directory had no tokenizer.
    const electra_tokenizer *tokenizer() const
    {
        const electra_tokenizer *t = electra_model_tokenizer(get());
        if (!t)
            throw Error(ELECTRA_ERR_IO, "the model directory has no tokenizer");
        return t;
    }
    std::string architecture() const
    {
        return electra_model_info_string(get(), ELECTRA_INFO_ARCHITECTURE);
    }

  private:
    Handle<electra_model, electra_model_free> handle_;
};

// One row of a task's result (see the table in electra.h).
struct Item {
    int group;
    std::string label, text;
    std::int32_t id;
    std::size_t start, end;
    double score, logit;
    int flag;
};

// A context: one per thread. Must not outlive its model.
class Context {
  public:
    explicit Context(const Model &model, const Options *options = nullptr)
    {
        electra_context *c = nullptr;
        check(electra_context_create(model.get(), options ? options->get() : nullptr, &c));
        handle_.reset(c);
    }
    std::vector<Item> fill_mask(std::string_view text, const Options *options = nullptr)
    {
        electra_result *r = nullptr;
        check(electra_fill_mask(get(), text.data(), text.size(), nullptr, 0, opts(options), &r),
              electra_context_last_error(get()));
        return items(r);
    }
    std::vector<Item> detect(std::string_view text, const Options *options = nullptr)
    {
        electra_result *r = nullptr;
        check(electra_detect(get(), text.data(), text.size(), opts(options), &r),
              electra_context_last_error(get()));
        return items(r);
    }

  private:
    electra_context *get() const noexcept { return handle_.get(); }
    static const electra_options *opts(const Options *o) { return o ? o->get() : nullptr; }
    static std::vector<Item> items(electra_result *raw)
    {
        Handle<electra_result, electra_result_free> r(raw);
        std::vector<Item> out;
        for (std::size_t i = 0; i < electra_result_count(r.get()); i++) {
            const char *label = electra_result_label(r.get(), i);
            const char *text = electra_result_text(r.get(), i);
            out.push_back(Item{electra_result_group(r.get(), i), label ? label : "",
                               text ? text : "", electra_result_id(r.get(), i),
                               electra_result_start(r.get(), i), electra_result_end(r.get(), i),
                               electra_result_score(r.get(), i), electra_result_logit(r.get(), i),
                               electra_result_flag(r.get(), i)});
        }
        return out;
    }
    Handle<electra_context, electra_context_free> handle_;
};

struct Token {
    std::string piece;
    std::int32_t id;
    std::size_t start, end; // bytes into the text; [0, 0] for [CLS]/[SEP]
};

inline std::vector<Token> tokenize(const electra_tokenizer *tokenizer, std::string_view text)
{
    electra_encoding *raw = nullptr;
    check(electra_encoding_create(&raw));
    Handle<electra_encoding, electra_encoding_free> e(raw);
    check(electra_tokenizer_encode(tokenizer, text.data(), text.size(), nullptr, 0, nullptr,
                                   e.get()),
          electra_encoding_last_error(e.get()));
    const std::int32_t *ids = electra_encoding_ids(e.get(), 0);
    const std::size_t *offsets = electra_encoding_offsets(e.get(), 0);
    std::vector<Token> out;
    for (std::size_t i = 0; i < electra_encoding_length(e.get(), 0); i++)
        out.push_back(Token{electra_tokenizer_id_to_token(tokenizer, ids[i]), ids[i],
                            offsets[2 * i], offsets[2 * i + 1]});
    return out;
}

} // namespace el

#endif
