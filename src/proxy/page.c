/*
 * page.c -- see page.h. The texts are compiled in (two languages, a handful of
 * sentences each); the layout is one inline style sheet.
 */
#include "proxy/page.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

size_t page_escape(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0, i;

	if (size == 0)
		return 0;
	for (i = 0; i < n && s[i]; i++) {
		const char *r = NULL;
		char one[2] = { s[i], 0 };
		size_t rl;

		switch (s[i]) {
		case '<': r = "&lt;"; break;
		case '>': r = "&gt;"; break;
		case '&': r = "&amp;"; break;
		case '"': r = "&quot;"; break;
		case '\'': r = "&#39;"; break;
		default: r = one; break;
		}
		rl = strlen(r);
		if (o + rl >= size)
			break;
		memcpy(out + o, r, rl);
		o += rl;
	}
	out[o] = '\0';
	return o;
}

int page_prefer_ja(const char *al, size_t n)
{
	double qja = -1, qen = -1;
	size_t i = 0;
	int order = 0, oja = 0, oen = 0;

	while (al && i < n) {
		size_t s, e;
		double q = 1.0;
		const char *semi;

		while (i < n && (al[i] == ' ' || al[i] == ','))
			i++;
		s = i;
		while (i < n && al[i] != ',')
			i++;
		e = i;
		semi = memchr(al + s, ';', e - s);
		if (semi) {
			const char *qp = semi + 1;

			while (qp < al + e && *qp == ' ')
				qp++;
			if (al + e - qp >= 3 && (qp[0] == 'q' || qp[0] == 'Q') && qp[1] == '=') {
				char b[8];
				size_t bl = (size_t)(al + e - qp - 2);

				if (bl >= sizeof(b))
					bl = sizeof(b) - 1;
				memcpy(b, qp + 2, bl);
				b[bl] = '\0';
				sscanf(b, "%lf", &q);
			}
			e = (size_t)(semi - al);
		}
		while (e > s && al[e - 1] == ' ')
			e--;
		order++;
		if (e - s >= 2 && strncasecmp(al + s, "ja", 2) == 0 &&
		    (e - s == 2 || al[s + 2] == '-')) {
			if (q > qja) {
				qja = q;
				oja = order;
			}
		} else if (e - s >= 2 && strncasecmp(al + s, "en", 2) == 0 &&
			   (e - s == 2 || al[s + 2] == '-')) {
			if (q > qen) {
				qen = q;
				oen = order;
			}
		}
	}
	if (qja <= 0)
		return 0;
	if (qja > qen)
		return 1;
	return qja == qen && oja < oen;
}

struct out {
	char *p;
	size_t n, size;
	int overflow;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(o->p + o->n, o->n < o->size ? o->size - o->n : 0, fmt, ap);
	va_end(ap);
	if (k < 0 || o->n + (size_t)k >= o->size)
		o->overflow = 1;
	else
		o->n += (size_t)k;
}

/* Escaped s (NULL or empty: dash) appended. */
static void esc(struct out *o, const char *s)
{
	if (!s || !*s)
		s = "-";
	if (o->n < o->size)
		o->n += page_escape(s, strlen(s), o->p + o->n, o->size - o->n);
	if (o->n + 1 >= o->size)
		o->overflow = 1;
}

static const char style[] =
	"<style>body{font-family:sans-serif;background:#f6f6f6;margin:0}"
	".box{max-width:46em;margin:2em auto;background:#fff;border-top:8px solid #c0392b;"
	"padding:1.5em 2em;box-shadow:0 1px 4px #0003}h1{color:#c0392b;font-size:1.6em}"
	"table{border-collapse:collapse}td{padding:.2em .8em .2em 0;vertical-align:top}"
	".url{font-family:monospace;word-break:break-all}"
	"a.go{display:inline-block;margin-top:1em;padding:.4em 1em;border:1px solid #888;"
	"color:#555;text-decoration:none;font-size:.9em}.warn{color:#c0392b}</style>";

static void head(struct out *o, int ja, const char *title)
{
	put(o,
	    "<!DOCTYPE html><html lang=\"%s\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width\"><title>%s</title>%s</head>"
	    "<body><div class=\"box\">",
	    ja ? "ja" : "en", title, style);
}

/* The list's display name (pi->list), else what kind of list it is. */
static void list_text(struct out *o, const struct page_info *pi)
{
	if (pi->list && *pi->list)
		esc(o, pi->list);
	else
		put(o, "%s",
		    pi->ja ? "ISP が利用している脅威情報のリスト" : "a threat list the ISP uses");
}

size_t page_warning(const struct page_info *pi, char *out, size_t size)
{
	struct out o = { out, 0, size, 0 };
	int ja = pi->ja;
	char date[32] = "";

	if (pi->first_seen > 0) {
		time_t t = (time_t)pi->first_seen;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	}
	head(&o, ja, ja ? "警告: マルウェア配布サイト" : "Warning: malware distribution site");
	put(&o, "<h1>%s</h1><p>%s</p>",
	    ja ? "このページはマルウェアを配布しています" : "This page distributes malware",
	    ja ? "アクセスしようとした URL は、マルウェア (ウイルス) を配布しているサイトとして"
		 "リストに掲載されています。開くと、お使いの機器が感染するおそれがあります。"
	       : "The address you are about to open is listed as a site that distributes "
		 "malware. Opening it may infect your computer or phone.");
	if (pi->token_problem)
		put(&o, "<p class=\"warn\">%s</p>",
		    pi->token_problem == 2
			    ? (ja ? "「それでも開く」の有効期限が切れています。もう一度選んでくださ"
				    "い。"
				  : "Your permission to continue has expired; choose again below.")
			    : (ja ? "「それでも開く」の確認が正しくありません。"
				  : "The permission to continue was not valid."));
	put(&o, "<table><tr><td>URL</td><td class=\"url\">");
	esc(&o, pi->url);
	put(&o, "</td></tr><tr><td>%s</td><td>%s", ja ? "理由" : "Reason",
	    ja ? "マルウェア配布" : "malware distribution");
	if (pi->category && *pi->category) {
		put(&o, " (");
		esc(&o, pi->category);
		put(&o, ")");
	}
	/* the list as the ISP names it for subscribers; its internal name and the file or
	 * feed it came from are the operator's, never shown here */
	put(&o, "</td></tr><tr><td>%s</td><td>", ja ? "リスト" : "List");
	list_text(&o, pi);
	put(&o, "</td></tr><tr><td>%s</td><td class=\"url\">", ja ? "参考情報" : "Reference");
	esc(&o, pi->reference);
	put(&o, "</td></tr><tr><td>%s</td><td>%s</td></tr></table>", ja ? "掲載日" : "Listed",
	    *date ? date : "-");
	put(&o, "<h2>%s</h2><ul><li>%s</li><li>%s</li><li>%s</li></ul>",
	    ja ? "どうすればよいですか" : "What should I do?",
	    ja ? "このページは開かずに閉じてください。"
	       : "Close this page; do not download or run anything from this site.",
	    ja ? "メールやメッセージのリンクから来た場合は、その送り主に心当たりがあるか"
		 "確かめてください。"
	       : "If a link in an e-mail or message brought you here, check that you know "
		 "and trust its sender.",
	    ja ? "すでにファイルを開いてしまった場合は、ウイルス対策ソフトで機器を検査して"
		 "ください。"
	       : "If you already opened a file from this site, scan your device with an "
		 "anti-virus program.");
	put(&o, "<p>%s ", ja ? "ご不明な点は" : "Questions? Contact");
	esc(&o, pi->isp);
	put(&o, " (");
	esc(&o, pi->contact);
	put(&o, ")%s</p>", ja ? " までお問い合わせください。" : ".");
	if (pi->continue_url) {
		put(&o, "<p><a class=\"go\" id=\"continue\" href=\"");
		esc(&o, pi->continue_url);
		put(&o, "\">%s</a></p>",
		    ja ? "危険を理解したうえで、それでも開く"
		       : "I understand the risk: continue anyway");
	}
	put(&o, "<p style=\"font-size:.8em;color:#777\">%s</p></div></body></html>\n",
	    ja ? "この警告は、ご契約の ISP のマルウェア対策サービス (ispshield) が表示しています。"
	       : "This warning is shown by your ISP's malware protection service (ispshield).");
	return o.overflow ? 0 : o.n;
}

size_t page_walled(const struct page_info *pi, char *out, size_t size)
{
	struct out o = { out, 0, size, 0 };
	int ja = pi->ja;

	head(&o, ja, ja ? "警告: 感染の疑い" : "Warning: your computer may be infected");
	put(&o, "<h1>%s</h1><p>%s</p><p class=\"url\">",
	    ja ? "お使いの機器がウイルスに感染している可能性があります"
	       : "A device of yours may be infected",
	    ja ? "お使いの回線の機器が、ボットネットの指令サーバ (C&amp;C サーバ) "
		 "として知られている"
		 "次の名前に接続しようとしました:"
	       : "A device on your connection tried to contact the following name, which is "
		 "known as a botnet command-and-control (C&amp;C) server:");
	esc(&o, pi->url);
	put(&o, "</p><p>%s ", ja ? "リスト:" : "List:");
	list_text(&o, pi);
	put(&o, "</p><h2>%s</h2><ol><li>%s</li><li>%s</li><li>%s</li></ol><p>%s ",
	    ja ? "駆除の方法" : "How to clean it",
	    ja ? "ウイルス対策ソフトを最新の状態にして、すべての機器を完全スキャンしてください。"
	       : "Update your anti-virus program and run a full scan on every device.",
	    ja ? "OS とソフトウェアを最新の状態に更新してください。"
	       : "Install all updates of the operating system and your programs.",
	    ja ? "駆除後、メールやネットバンキングなどのパスワードを変更してください。"
	       : "After cleaning, change your passwords (e-mail, online banking, ...).",
	    ja ? "ご不明な点は" : "Questions? Contact");
	esc(&o, pi->isp);
	put(&o, " (");
	esc(&o, pi->contact);
	put(&o, ")%s</p></div></body></html>\n", ja ? " までお問い合わせください。" : ".");
	return o.overflow ? 0 : o.n;
}

size_t page_connect_refused(const char *host, const char *list, char *out, size_t size)
{
	int k = snprintf(out, size,
			 "ispshield: access to %s was blocked: it is listed (%s) as a malware "
			 "distribution site.\n"
			 "ispshield: %s へのアクセスを遮断しました。マルウェア配布サイトとして"
			 "掲載されています (%s)。\n"
			 "Your ISP will send you a notice by e-mail with details. / "
			 "詳細はご契約の ISP からメールでお知らせします。\n",
			 host, list, host, list);

	return k > 0 && (size_t)k < size ? (size_t)k : 0;
}

size_t page_template(const char *tpl, const struct page_info *pi, char *out, size_t size)
{
	static const char *const names[] = { "url",	 "list",     "source",	"reference",
					     "category", "isp_name", "contact", "continue_url" };
	size_t o = 0;

	if (size == 0)
		return 0;
	while (*tpl) {
		const char *open = strstr(tpl, "{{"), *close, *val = NULL;
		size_t lit = open ? (size_t)(open - tpl) : strlen(tpl), k;

		if (o + lit >= size)
			return 0;
		memcpy(out + o, tpl, lit);
		o += lit;
		if (!open)
			break;
		close = strstr(open + 2, "}}");
		for (k = 0; close && k < sizeof(names) / sizeof(names[0]); k++)
			if ((size_t)(close - open - 2) == strlen(names[k]) &&
			    memcmp(open + 2, names[k], strlen(names[k])) == 0)
				break;
		if (!close || k == sizeof(names) / sizeof(names[0])) { /* not ours: as is */
			if (o + 2 >= size)
				return 0;
			memcpy(out + o, "{{", 2);
			o += 2;
			tpl = open + 2;
			continue;
		}
		switch (k) {
		case 0: val = pi->url; break;
		case 1: val = pi->list; break;
		case 2: val = pi->source; break;
		case 3: val = pi->reference; break;
		case 4: val = pi->category; break;
		case 5: val = pi->isp; break;
		case 6: val = pi->contact; break;
		default: val = pi->continue_url; break;
		}
		if (val)
			o += page_escape(val, strlen(val), out + o, size - o);
		tpl = close + 2;
	}
	out[o] = '\0';
	return o;
}
