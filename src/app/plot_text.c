/* Text for gnuplot scripts: a growing string, quoting and escaping
 * (app/plot_text.h, dnc_plot_escape in dnncrit/plot.h). */
#include "app/plot_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnncrit/plot.h"

void dnc_sb_append(dnc_strbuf *b, const char *text, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *g = realloc(b->s, cap);
        if (!g) {
            b->failed = true;
            return;
        }
        b->s = g;
        b->cap = cap;
    }
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void dnc_sb_puts(dnc_strbuf *b, const char *text)
{
    dnc_sb_append(b, text, strlen(text));
}

void dnc_sb_printf(dnc_strbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        dnc_sb_append(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    dnc_sb_append(b, big, (size_t)n);
    free(big);
}

/* A gnuplot single-quoted string. gnuplot's tokenizer does not reliably
 * undo doubled quotes (as in 'a''''b'), so a quote never reaches the
 * script: in text it becomes the typographic apostrophe U+2019, and paths
 * containing one are refused before (make_tmpdir). Control characters (a
 * newline would end the command) are dropped. */
void dnc_sb_quoted(dnc_strbuf *b, const char *text)
{
    dnc_sb_puts(b, "'");
    for (const char *p = text ? text : ""; *p; p++) {
        if (*p == '\'')
            dnc_sb_puts(b, "\u2019");
        else if ((unsigned char)*p >= 0x20 && *p != 0x7f)
            dnc_sb_append(b, p, 1);
    }
    dnc_sb_puts(b, "'");
}

char *dnc_plot_escape(const char *text)
{
    dnc_strbuf b = {0};
    dnc_sb_puts(&b, "");
    for (const char *p = text ? text : ""; *p; p++) {
        if (strchr("^_@&~{}\\", *p))
            dnc_sb_append(&b, "\\", 1);
        if ((unsigned char)*p >= 0x20 && *p != 0x7f)
            dnc_sb_append(&b, p, 1);
    }
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}
