// electra_demo.cpp - libelectra from C++17 through pkg-config and the C API:
// fill a mask with a generator, tokenize the filled-in text, and ask a
// discriminator which words look replaced.
//
//   make -C examples/cpp        (PKG_CONFIG_PATH=<prefix>/lib/pkgconfig)
//   ./electra_demo GENERATOR_DIR DISCRIMINATOR_DIR ["text with [MASK]"]
#include "electra.hpp"

#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        std::fprintf(stderr, "usage: %s GENERATOR_DIR DISCRIMINATOR_DIR [TEXT]\n", argv[0]);
        return 2;
    }
    const std::string text = argc == 4 ? argv[3] : "The capital of France is [MASK].";
    try {
        std::printf("libelectra %s (compiled against %s)\n", electra_version_string(),
                    ELECTRA_VERSION_STRING);
        el::Options options;
        options.set(ELECTRA_OPT_TOP_K, 3);
        el::Model generator(argv[1]);
        el::Context gen(generator);
        std::printf("\n%s: %s\n", generator.architecture().c_str(), text.c_str());
        auto guesses = gen.fill_mask(text, &options);
        for (const auto &g : guesses)
            std::printf("  mask %d  %-12s %.4f  %s\n", g.group + 1, g.label.c_str(), g.score,
                        g.text.c_str());

        // Put the best guess for the first mask into the text.
        std::string filled = text;
        const auto &best = guesses.at(0);
        filled.replace(best.start, best.end - best.start, best.label);

        std::printf("\ntokens of \"%s\":\n", filled.c_str());
        for (const auto &t : el::tokenize(generator.tokenizer(), filled))
            std::printf("  %-12s %6d  [%zu, %zu)\n", t.piece.c_str(), static_cast<int>(t.id),
                        t.start, t.end);

        el::Model discriminator(argv[2]);
        el::Context disc(discriminator);
        std::printf("\n%s: replaced words\n", discriminator.architecture().c_str());
        for (const auto &w : disc.detect(filled))
            if (w.group == 1)
                std::printf("  %-12s %.4f%s\n", w.label.c_str(), w.score, w.flag ? "  *" : "");

        // Errors are exceptions with the library's message.
        try {
            el::Model missing(std::string(argv[1]) + "/no-such-dir");
        } catch (const el::Error &e) {
            std::printf("\nexpected error (%s): %s\n", electra_status_string(e.status()),
                        e.what());
        }
    } catch (const std::exception &e) {
        std::fprintf(stderr, "electra_demo: %s\n", e.what());
        return 1;
    }
    return 0;
}
