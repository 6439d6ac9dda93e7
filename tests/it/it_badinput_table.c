/* it_badinput_table.c: the bad inputs, one row each: how it is sent, the status it must get and
 * a piece of the reason the caller must read. The expectations are the right answers, not
 * whatever the gateway happens to say; a row the gateway still gets wrong carries known_wrong.
 *
 * Gateways under test (it_badinput.c): carriers `at` (/ussd/at), `signed` (auth = hmac),
 * `basic` (auth = basic, carrier:open sesame) and `plain` (auth = path), max_body_bytes 8192,
 * http_request_timeout_s 2. */
#include "tests/it/it_badinput.h"

#define FORM         BAD_FORM
#define H            "Host: x\r\nConnection: close\r\n"
#define RAW_POST     "POST /ussd/at HTTP/1.1\r\n" H "Content-Type: " FORM "\r\n"
#define RAW_GET(p)   "GET " p " HTTP/1.1\r\n" H "\r\n"
#define GOOD         "$F&text="
#define NOT_KZ       "END Извините, сервис только для номеров Казахстана."
#define WRONG_CHOICE "CON Қате таңдау."
#define MALFORMED    "Your HTTP request was syntactically incorrect"
#define BAD_CHUNK    "chunked encoding was syntactically incorrect"
#define MHD_TWICE                                                                                  \
  "MHD 0.9.75 writes the header block of this error reply twice (the second copy as its body)"

/* A raw request: the whole exchange is ours. */
#define RAW(what, bytes, status, reason)                                                           \
  {                                                                                                \
    what, 0, 0, 0, 0, bytes, SIGN_NONE, BAD_RAW, status, reason, 0                                 \
  }
#define RAW_KNOWN(what, bytes, status, reason, why)                                                \
  {                                                                                                \
    what, 0, 0, 0, 0, bytes, SIGN_NONE, BAD_RAW, status, reason, why                               \
  }
/* A form POST to /ussd/at. */
#define AT(what, body, status, reason)                                                             \
  {                                                                                                \
    what, "POST", "/ussd/at", 0, 0, body, SIGN_NONE, 0, status, reason, 0                          \
  }
/* A form POST to /ussd/at that is a good hop: it must open a session. */
#define AT_OK(what, body, reason)                                                                  \
  {                                                                                                \
    what, "POST", "/ussd/at", 0, 0, body, SIGN_NONE, BAD_SESSION, 200, reason, 0                   \
  }
#define END(what, body, status, reason)                                                            \
  {                                                                                                \
    what, "POST", "/ussd/at/end", 0, 0, body, SIGN_NONE, 0, status, reason, 0                      \
  }
#define CT(what, ctype, status, reason)                                                            \
  {                                                                                                \
    what, "POST", "/ussd/at", ctype, 0, "sessionId=", SIGN_NONE, 0, status, reason, 0              \
  }
#define SIGNED(what, sign, body, status, reason)                                                   \
  {                                                                                                \
    what, "POST", "/ussd/signed", 0, 0, body, sign, 0, status, reason, 0                           \
  }
#define BASIC(what, hdr, status, reason)                                                           \
  {                                                                                                \
    what, "POST", "/ussd/basic", 0, hdr, GOOD, SIGN_NONE, 0, status, reason, 0                     \
  }
#define PLAIN(what, path, status, reason)                                                          \
  {                                                                                                \
    what, "POST", path, 0, 0, GOOD, SIGN_NONE, 0, status, reason, 0                                \
  }

const struct bad_case bad_cases[] = {
    /* ---- HTTP, raw bytes: libmicrohttpd's parser and the gateway's framing checks ---- */
    RAW("no request line, just garbage", "GARBAGE\r\n\r\n", 0, ""),
    RAW("a method alone", "GET\r\n\r\n", 0, ""),
    RAW("no space between method and path", "GET/healthz HTTP/1.1\r\n" H "\r\n", 400, MALFORMED),
    RAW("HTTP/0.9 style: no version", "GET /healthz\r\n\r\n", 400, MALFORMED),
    RAW("version in lower case", "GET /healthz http/1.1\r\n" H "\r\n", 400, MALFORMED),
    RAW("HTTP/3 over TCP", "GET /healthz HTTP/3\r\n" H "\r\n", 400, MALFORMED),
    RAW("HTTP/2.0 in a text request line", "GET /healthz HTTP/2.0\r\n" H "\r\n", 505,
        "not supported"),
    RAW("two spaces after the method", "GET  /healthz HTTP/1.1\r\n" H "\r\n", 200,
        "\"status\":\"ok\""),
    RAW("unknown method", "BREW /healthz HTTP/1.1\r\n" H "\r\n", 405, "Allow: GET"),
    RAW("method in lower case", "get /healthz HTTP/1.1\r\n" H "\r\n", 405, "Allow: GET"),
    RAW("a 5000-byte method", "$L05000A /healthz HTTP/1.1\r\n" H "\r\n", 405, "method not allowed"),
    RAW("TRACE", "TRACE /healthz HTTP/1.1\r\n" H "\r\n", 405, "Allow: GET"),
    RAW("HEAD on the carrier path", "HEAD /ussd/at HTTP/1.1\r\n" H "\r\n", 405, "Allow: POST"),
    RAW("CONNECT to another host", "CONNECT evil:443 HTTP/1.1\r\nHost: evil:443\r\n\r\n", 404, ""),
    RAW("OPTIONS *", "OPTIONS * HTTP/1.1\r\n" H "\r\n", 404, "not found"),
    RAW("a 20000-byte path", "GET /$L20000a HTTP/1.1\r\n" H "\r\n", 404, "not found"),
    RAW("a 60000-byte path", "GET /$L60000a HTTP/1.1\r\n" H "\r\n", 414, "Request too big"),
    RAW("dot segments", RAW_GET("/ussd/../healthz"), 404, "not found"),
    RAW("a control byte in the path", RAW_GET("/heal\001thz"), 404, "not found"),
    RAW("a NUL in the path", RAW_GET("/hea$0lthz"), 404, "not found"),
    RAW("header line without a colon", "GET /healthz HTTP/1.1\r\n" H "NoColonHere\r\n\r\n", 400,
        MALFORMED),
    RAW("a 40000-byte header", "GET /healthz HTTP/1.1\r\n" H "X-Big: $L40000b\r\n\r\n", 431,
        "too big"),
    RAW("3000 headers", "GET /healthz HTTP/1.1\r\n" H "$H\r\n", 431, "too big"),
    RAW("whitespace between a header name and its colon", RAW_POST "Content-Length : 3\r\n\r\na=1",
        400, "whitespace before a header's colon"),
    RAW("a bare CR inside a header value", "GET /healthz HTTP/1.1\r\n" H "X-A: a\rb\r\n\r\n", 400,
        "control character in a header"),
    RAW("an escape byte inside a header value",
        "GET /healthz HTTP/1.1\r\n" H "X-A: a\033[2Jb\r\n\r\n", 400,
        "control character in a header"),
    RAW_KNOWN("a NUL inside a header value", "GET /healthz HTTP/1.1\r\n" H "X-A: a$0b\r\n\r\n", 400,
              "",
              "MHD 0.9.75 cuts the value at the NUL and serves the request (RFC 9110 5.5: "
              "reject, or replace with SP)"),
    RAW("obs-fold: a continuation line (unfolded, RFC 9112 5.2 allows it)",
        "GET /healthz HTTP/1.1\r\n" H "X-A: a\r\n b\r\n\r\n", 200, "\"status\":\"ok\""),
    RAW("bare LF line ends (RFC 9112 2.2 allows them)",
        "GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n", 200, "\"status\":\"ok\""),
    RAW("bare CR line ends: no request ever ends; closed at the request deadline",
        "GET /healthz HTTP/1.1\rHost: x\r\r", 0, ""),
    RAW("only empty lines", "\r\n\r\n\r\n", 0, ""),
    RAW("a TLS ClientHello on the plain port", "\026\003\001\002\000\001\000\001\374\003\003", 0,
        ""),
    RAW("binary noise", "\001\002\003\377\376\375 \r\n\r\n\200\201", 400, MALFORMED),
    RAW_KNOWN("HTTP/1.1 without Host", "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n", 400,
              "", "MHD 0.9.75 serves it (RFC 9112 3.2: MUST 400); strict mode would refuse"),
    RAW_KNOWN("two Host headers", "GET /healthz HTTP/1.1\r\n" H "Host: y\r\n\r\n", 400, "",
              "MHD 0.9.75 serves it (RFC 9112 3.2: MUST 400)"),
    RAW("two Content-Lengths", RAW_POST "Content-Length: 3\r\nContent-Length: 7\r\n\r\na=1b=22",
        400, "more than one Content-Length"),
    RAW("two equal Content-Lengths", RAW_POST "Content-Length: 3\r\nContent-Length: 3\r\n\r\na=1",
        400, "more than one Content-Length"),
    RAW("Content-Length beside Transfer-Encoding",
        RAW_POST "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na=1\r\n0\r\n\r\n",
        400, "Content-Length with Transfer-Encoding"),
    RAW("Transfer-Encoding gzip (not chunked: no length)",
        RAW_POST "Transfer-Encoding: gzip\r\n\r\nabc", 400, "Transfer-Encoding other than chunked"),
    RAW("Transfer-Encoding identity", RAW_POST "Transfer-Encoding: identity\r\n\r\na=1", 400,
        "Transfer-Encoding other than chunked"),
    RAW("Transfer-Encoding chunked, chunked",
        RAW_POST "Transfer-Encoding: chunked, chunked\r\n\r\n3\r\na=1\r\n0\r\n\r\n", 400,
        "Transfer-Encoding other than chunked"),
    RAW("two Transfer-Encoding headers",
        RAW_POST
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\na=1\r\n0\r\n\r\n",
        400, "more than one Transfer-Encoding"),
    RAW("chunk size not hex", RAW_POST "Transfer-Encoding: chunked\r\n\r\nzz\r\na=1\r\n0\r\n\r\n",
        400, BAD_CHUNK),
    RAW("negative chunk size", RAW_POST "Transfer-Encoding: chunked\r\n\r\n-3\r\na=1\r\n0\r\n\r\n",
        400, BAD_CHUNK),
    RAW("chunk without its CRLF", RAW_POST "Transfer-Encoding: chunked\r\n\r\n3\r\na=1XX0\r\n\r\n",
        400, BAD_CHUNK),
    RAW("chunk size over 64 bits",
        RAW_POST "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\na=1\r\n0\r\n\r\n", 413,
        "chunk size"),
    RAW("chunked body over max_body_bytes",
        RAW_POST "Transfer-Encoding: chunked\r\n\r\n2710\r\n$L10000a\r\n0\r\n\r\n", 413,
        "request body too large"),
    RAW("chunked form with a bad escape",
        RAW_POST "Transfer-Encoding: chunked\r\n\r\n5\r\na=%zz\r\n0\r\n\r\n", 400,
        "not followed by two hex digits"),
    RAW_KNOWN("negative Content-Length", RAW_POST "Content-Length: -1\r\n\r\nabc", 400,
              "wrong value for <b>Content-Length", MHD_TWICE),
    RAW_KNOWN("Content-Length with a letter", RAW_POST "Content-Length: 3x\r\n\r\nabc", 400,
              "wrong value for <b>Content-Length", MHD_TWICE),
    RAW_KNOWN("Content-Length in hex", RAW_POST "Content-Length: 0x3\r\n\r\nabc", 400,
              "wrong value for <b>Content-Length", MHD_TWICE),
    RAW_KNOWN("empty Content-Length", RAW_POST "Content-Length: \r\n\r\nabc", 400,
              "wrong value for <b>Content-Length", MHD_TWICE),
    RAW_KNOWN("Content-Length of 10^23",
              RAW_POST "Content-Length: 99999999999999999999999\r\n\r\nabc", 413,
              "content too large", MHD_TWICE),
    RAW_KNOWN("Content-Length of 2^64", RAW_POST "Content-Length: 18446744073709551616\r\n\r\nabc",
              413, "content too large", MHD_TWICE),
    /* Too large, known from the headers; the promised body never comes: the gateway waits for it
     * (a client that sends it gets 413), and the request deadline closes the connection. */
    RAW("Content-Length of 2^64 - 1, body never sent",
        RAW_POST "Content-Length: 18446744073709551615\r\n\r\nabc", 0, ""),
    RAW("Content-Length over max_body_bytes, body never sent",
        RAW_POST "Content-Length: 9000\r\n\r\nabc", 0, ""),
    RAW("Content-Length over max_body_bytes, body sent",
        RAW_POST "Content-Length: 9000\r\n\r\n$L09000a", 413, "request body too large"),
    RAW("Expect: 100-continue with a body over the limit: 413 and no 100 Continue",
        RAW_POST "Expect: 100-continue\r\nContent-Length: 100000\r\n\r\n", 413,
        "request body too large"),
    RAW("an unknown expectation", RAW_POST "Expect: 200-ok\r\nContent-Length: 3\r\n\r\na=1", 400,
        "missing field 'sessionId'"),
    {"body shorter than Content-Length, then our side shut", 0, 0, 0, 0,
     "POST /ussd/at HTTP/1.1\r\nHost: x\r\nContent-Type: " FORM "\r\nContent-Length: 100\r\n\r\n"
     "sessionId=",
     SIGN_NONE, BAD_RAW | BAD_HALF_CLOSE, 0, "", 0},
    RAW("a good request, then garbage on the same connection",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n", 200, "\"status\":\"ok\""),

    /* ---- Routing ---- */
    {"unknown path", "GET", "/nope", 0, 0, 0, SIGN_NONE, 0, 404, "not found", 0},
    {"the root", "GET", "/", 0, 0, 0, SIGN_NONE, 0, 404, "not found", 0},
    {"carrier path in capitals", "POST", "/USSD/AT", 0, 0, GOOD, SIGN_NONE, 0, 404, "not found", 0},
    {"carrier path with a trailing slash", "POST", "/ussd/at/", 0, 0, GOOD, SIGN_NONE, 0, 404,
     "not found", 0},
    {"below the end notice", "POST", "/ussd/at/end/x", 0, 0, "sessionId=$S", SIGN_NONE, 0, 404,
     "not found", 0},
    {"a carrier that does not exist", "POST", "/ussd/other", 0, 0, GOOD, SIGN_NONE, 0, 404,
     "not found", 0},
    {"GET on the carrier path", "GET", "/ussd/at", 0, 0, 0, SIGN_NONE, 0, 405, "method not allowed",
     0},
    {"PUT on the carrier path", "PUT", "/ussd/at", 0, 0, GOOD, SIGN_NONE, 0, 405,
     "method not allowed", 0},
    {"DELETE on the end notice", "DELETE", "/ussd/at/end", 0, 0, 0, SIGN_NONE, 0, 405,
     "method not allowed", 0},
    {"POST /healthz", "POST", "/healthz", 0, 0, "x=1", SIGN_NONE, 0, 405, "method not allowed", 0},
    {"GET on a secret-path carrier", "GET", "/ussd/plain/$K", 0, 0, 0, SIGN_NONE, 0, 405,
     "method not allowed", 0},

    /* ---- Content-Type of a hop ---- */
    CT("no Content-Type", BAD_NO_CTYPE, 415, "Content-Type must be " FORM),
    CT("text/plain", "text/plain", 415, "Content-Type must be " FORM),
    CT("JSON", "application/json", 415, "Content-Type must be " FORM),
    CT("multipart", "multipart/form-data; boundary=xyz", 415, "Content-Type must be " FORM),
    CT("the form type with a suffix", FORM "x", 415, "Content-Type must be " FORM),
    CT("a prefix of the form type", "application/x-www-form", 415, "Content-Type must be " FORM),
    CT("the form type after a comma", "text/plain, " FORM, 415, "Content-Type must be " FORM),
    CT("the form type with a charset passes", FORM "; charset=utf-8", 400,
       "field 'sessionId' is empty"),
    CT("the form type in capitals passes", "APPLICATION/X-WWW-FORM-URLENCODED", 400,
       "field 'sessionId' is empty"),
    CT("the form type with spaces before ';' passes", FORM " ;charset=UTF-8", 400,
       "field 'sessionId' is empty"),
    {"end notice as JSON", "POST", "/ussd/at/end", "application/json", 0, "{\"sessionId\":\"$S\"}",
     SIGN_NONE, 0, 415, "Content-Type must be " FORM, 0},

    /* ---- The form of a hop (dl_at.c, ag_form.c) ---- */
    AT("an empty body", "", 400, "missing field 'sessionId'"),
    AT("no sessionId", "serviceCode=%2A1234%23&phoneNumber=$P&text=", 400,
       "missing field 'sessionId'"),
    AT("empty sessionId", "sessionId=&serviceCode=%2A1234%23&phoneNumber=$P&text=", 400,
       "field 'sessionId' is empty"),
    AT("no serviceCode", "sessionId=$S&phoneNumber=$P&text=", 400, "missing field 'serviceCode'"),
    AT("no phoneNumber", "sessionId=$S&serviceCode=%2A1234%23&text=", 400,
       "missing field 'phoneNumber'"),
    AT("empty phoneNumber", "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=&text=", 400,
       "field 'phoneNumber' is empty"),
    AT("no text", "$F", 400, "missing field 'text'"),
    AT("sessionId twice", GOOD "&sessionId=$S", 400, "duplicate key \"sessionId\""),
    AT("text twice", GOOD "1&text=2", 400, "duplicate key \"text\""),
    AT("phoneNumber twice, the second another number", GOOD "&phoneNumber=%2B77011112233", 400,
       "duplicate key \"phoneNumber\""),
    AT("a key without a name", "=x&" GOOD, 400, "empty key"),
    AT("33 fields",
       GOOD "&a=&b=&c=&d=&e=&f=&g=&h=&i=&j=&k=&l=&m=&n=&o=&p=&q=&r=&s=&t=&u=&v=&w=&x=&y=&z=&A=&B=",
       400, "too many fields"),
    AT("a 65-byte key", GOOD "&$L00065k=1", 400, "longer than 64 bytes"),
    AT("a 2049-byte value", "$F&text=$L020491", 400, "value of \"text\": longer than 2048 bytes"),
    AT("'%zz' in a value", "$F&text=%zz", 400, "not followed by two hex digits"),
    AT("'%' at the end", "$F&text=%", 400, "not followed by two hex digits"),
    AT("'%4' at the end", "$F&text=%4", 400, "not followed by two hex digits"),
    AT("'%' in a key", "$F&te%xt=1", 400, "not followed by two hex digits"),
    AT("%00 in the text", "$F&text=1%002", 400, "%00 (NUL)"),
    AT("%00 in sessionId", "sessionId=a%00b&serviceCode=%2A1234%23&phoneNumber=$P&text=", 400,
       "%00 (NUL)"),
    AT("a raw NUL byte in the body", "$F&text=1$02", 400, "NUL byte"),
    AT("overlong UTF-8 ('/' in two bytes)", "$F&text=%C0%AF", 400, "invalid UTF-8"),
    AT("a UTF-16 surrogate in UTF-8", "$F&text=%ED%A0%80", 400, "invalid UTF-8"),
    AT("UTF-8 cut short", "$F&text=%D0", 400, "truncated UTF-8"),
    AT("a lone continuation byte", "$F&text=%80", 400, "invalid UTF-8"),
    AT("a code point over U+10FFFF", "$F&text=%F4%90%80%80", 400, "invalid UTF-8"),
    AT("a raw 0xFF byte", "$F&text=\377", 400, "invalid UTF-8"),
    AT("invalid UTF-8 in a key", "$F&text=&%C3=1", 400, "truncated UTF-8"),
    AT("a 129-byte sessionId", "sessionId=$L00129s&serviceCode=%2A1234%23&phoneNumber=$P&text=",
       400, "field 'sessionId' is longer than 128 bytes"),
    AT("a 129-byte networkCode",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=$P&networkCode=$L001299&text=", 400,
       "field 'networkCode' is longer than 128 bytes"),
    AT("serviceCode without '*'", "sessionId=$S&serviceCode=1234%23&phoneNumber=$P&text=", 400,
       "serviceCode is not a USSD code"),
    AT("serviceCode without '#'", "sessionId=$S&serviceCode=%2A1234&phoneNumber=$P&text=", 400,
       "serviceCode is not a USSD code"),
    AT("serviceCode '*#'", "sessionId=$S&serviceCode=%2A%23&phoneNumber=$P&text=", 400,
       "serviceCode is not a USSD code"),
    AT("serviceCode '**1#'", "sessionId=$S&serviceCode=%2A%2A1%23&phoneNumber=$P&text=", 400,
       "serviceCode is not a USSD code"),
    AT("serviceCode with a letter", "sessionId=$S&serviceCode=%2A12a4%23&phoneNumber=$P&text=", 400,
       "serviceCode is not a USSD code"),
    AT("serviceCode with more after '#'",
       "sessionId=$S&serviceCode=%2A1234%23x&phoneNumber=$P&text=", 400,
       "serviceCode is not a USSD code"),
    AT("serviceCode '*1234*#'", "sessionId=$S&serviceCode=%2A1234%2A%23&phoneNumber=$P&text=", 400,
       "serviceCode is not a USSD code"),
    AT("empty serviceCode", "sessionId=$S&serviceCode=&phoneNumber=$P&text=", 400,
       "field 'serviceCode' is empty"),
    AT("65 inputs",
       "$F&text=1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1"
       "*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1",
       400, "more than 64 inputs or is too long"),
    AT("a 2048-byte text", "$F&text=$L020481", 400, "more than 64 inputs or is too long"),
    AT("a body over max_body_bytes", "$F&text=$L090001", 413, "request body too large"),
    /* Inputs the menu does not offer are the caller's business, not the carrier's fault: the same
     * screen again with the one-line notice, never a 400 (sess.h: sess_replay). */
    AT_OK("a letter as input", "$F&text=x", WRONG_CHOICE),
    AT_OK("an option out of range", "$F&text=9", WRONG_CHOICE),
    AT_OK("option 0", "$F&text=0", WRONG_CHOICE),
    AT_OK("a leading zero", "$F&text=01", WRONG_CHOICE),
    AT_OK("a sign", "$F&text=-1", WRONG_CHOICE),
    AT_OK("a fullwidth digit", "$F&text=%EF%BC%91", WRONG_CHOICE),
    AT_OK("a trailing space", "$F&text=1+", WRONG_CHOICE),
    AT_OK("an empty input among two", "$F&text=%2A", WRONG_CHOICE),
    AT_OK("a newline as input", "$F&text=%0A", WRONG_CHOICE),
    AT_OK("an ANSI escape as input", "$F&text=%1B%5B2J", WRONG_CHOICE),
    AT_OK("a long non-digit input", "$F&text=$L00500z", WRONG_CHOICE),
    {"a newline in sessionId: served, and logged quoted", "POST", "/ussd/at", 0, 0,
     "sessionId=$S%0Aevent=forged&serviceCode=%2A1234%23&phoneNumber=$P&text=", SIGN_NONE,
     BAD_SESSION | BAD_NO_FORGED, 200, "CON ", 0},
    {"the shared session's first hop", "POST", "/ussd/at", 0, 0,
     "sessionId=$A&serviceCode=%2A1234%23&phoneNumber=$R&text=", SIGN_NONE, BAD_OPENS_A, 200,
     "CON ", 0},
    AT("the shared session from another number",
       "sessionId=$A&serviceCode=%2A1234%23&phoneNumber=$P&text=x", 400,
       "phoneNumber does not match the session"),

    /* ---- Phone numbers: what is not a Kazakh mobile gets the polite END in Russian (a foreign
     * caller reads it likelier than Kazakh), 200, no session; what the form refuses, 400 ---- */
    AT("a fixed line in Almaty",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B77272345678&text=", 200, NOT_KZ),
    AT("a fixed line in Astana",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=87172345678&text=", 200, NOT_KZ),
    AT("a Russian mobile",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B79161234567&text=", 200, NOT_KZ),
    AT("a Kyrgyz number",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B996555123456&text=", 200, NOT_KZ),
    AT("one digit short",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B7705123456&text=", 200, NOT_KZ),
    AT("one digit long",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B770512345678&text=", 200, NOT_KZ),
    AT("letters", "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B7705abc4567&text=", 200,
       NOT_KZ),
    AT("two '+'", "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B%2B77051234567&text=", 200,
       NOT_KZ),
    AT("'+8' prefix", "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B87051234567&text=", 200,
       NOT_KZ),
    AT("ten digits of a fixed line",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=7272345678&text=", 200, NOT_KZ),
    AT("an unclosed parenthesis",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=8%28705123-45-67&text=", 200, NOT_KZ),
    AT("parentheses around the wrong digits",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=87%2805%29123-45-67&text=", 200, NOT_KZ),
    AT("fullwidth digits",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B%EF%BC%97%EF%BC%97%EF%BC%90%EF%BC%95"
       "1234567&text=",
       200, NOT_KZ),
    AT("a newline inside the number",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B7705%0A1234567&text=", 200, NOT_KZ),
    AT("a sip address",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=sip%3A77051234567%40x&text=", 200, NOT_KZ),
    AT("a 129-byte phone number", "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=$L001297&text=",
       400, "field 'phoneNumber' is longer than 128 bytes"),
    AT("invalid UTF-8 in the number",
       "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=%2B7705%FF&text=", 400, "invalid UTF-8"),
    /* Written forms of a Kazakh mobile that are accepted (ag_phone.c): each opens a session. */
    AT_OK("no '+'", "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=7$Q&text=", "CON "),
    AT_OK("8-prefixed", "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=8$Q&text=", "CON "),
    AT_OK("a '+' left unescaped (a space in a form)",
          "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=+7$Q&text=", "CON "),
    AT_OK("'00' international prefix",
          "sessionId=$S&serviceCode=%2A1234%23&phoneNumber=007$Q&text=", "CON "),

    /* ---- The end notice (POST /ussd/at/end) ---- */
    END("no sessionId", "status=Success", 400, "missing field 'sessionId'"),
    END("empty sessionId", "sessionId=&status=Success", 400, "field 'sessionId' is empty"),
    END("an empty body", "", 400, "missing field 'sessionId'"),
    END("bad escape in status", "sessionId=$S&status=%G0", 400, "not followed by two hex digits"),
    END("a 129-byte hopsCount", "sessionId=$S&hopsCount=$L001291", 400,
        "field 'hopsCount' is longer than 128 bytes"),
    END("invalid UTF-8 in durationInMillis", "sessionId=$S&durationInMillis=%C0%80", 400,
        "invalid UTF-8"),
    END("sessionId twice", "sessionId=$S&sessionId=$S", 400, "duplicate key \"sessionId\""),
    {"%0A in hopsCount must not forge a log line", "POST", "/ussd/at/end", 0, 0,
     "sessionId=$S&hopsCount=1%0Aevent=forged level=error", SIGN_NONE, BAD_NO_FORGED, 200, "OK", 0},
    {"%0D%0A in status must not forge a log line", "POST", "/ussd/at/end", 0, 0,
     "sessionId=$S&status=x%0D%0Aevent=forged", SIGN_NONE, BAD_NO_FORGED, 200, "OK", 0},
    END("an unknown session: nothing to end, still OK", "sessionId=$S&status=Success", 200, "OK"),

    /* ---- Carriers that prove their requests ---- */
    SIGNED("hmac: no headers", SIGN_NONE, GOOD, 401, "no signature"),
    SIGNED("hmac: timestamp only", SIGN_TS_ONLY, GOOD, 401, "no signature"),
    SIGNED("hmac: signature only", SIGN_SIG_ONLY, GOOD, 401, "no signature"),
    SIGNED("hmac: garbled timestamp", SIGN_TS_GARBLED, GOOD, 401, "is not Unix seconds"),
    SIGNED("hmac: 13-digit timestamp", SIGN_TS_LONG, GOOD, 401, "is not Unix seconds"),
    SIGNED("hmac: negative timestamp", SIGN_TS_NEG, GOOD, 401, "is not Unix seconds"),
    SIGNED("hmac: stale timestamp", SIGN_STALE, GOOD, 401, "outside the accepted window"),
    SIGNED("hmac: future timestamp", SIGN_FUTURE, GOOD, 401, "outside the accepted window"),
    SIGNED("hmac: a capture replayed 301 s later", SIGN_REPLAY, GOOD, 401,
           "outside the accepted window"),
    SIGNED("hmac: signature of another body", SIGN_OTHER_BODY, GOOD, 401, "bad signature"),
    SIGNED("hmac: timestamp changed after signing", SIGN_TS_SHIFTED, GOOD, 401, "bad signature"),
    SIGNED("hmac: 63 hex digits", SIGN_SIG_SHORT, GOOD, 401, "not 64 hex characters"),
    SIGNED("hmac: 64 characters, not hex", SIGN_SIG_NONHEX, GOOD, 401, "not 64 hex characters"),
    SIGNED("hmac: signed, but the form is bad: authenticated, then 400", SIGN_OK,
           "serviceCode=%2A1234%23", 400, "missing field 'sessionId'"),
    {"hmac: the end notice unsigned", "POST", "/ussd/signed/end", 0, 0, "sessionId=$S", SIGN_NONE,
     0, 401, "no signature", 0},
    {"hmac: the right signature in capitals", "POST", "/ussd/signed", 0, 0, GOOD, SIGN_UPPER_HEX,
     BAD_SESSION, 200, "CON ", 0},
    BASIC("basic: no Authorization", 0, 401, "no credentials"),
    BASIC("basic: wrong password", "Authorization: Basic Y2FycmllcjpvcGVuIHNlc2FtZTE=", 401,
          "bad credentials"),
    BASIC("basic: a prefix of the password", "Authorization: Basic Y2FycmllcjpvcGVuIHNlc2Ft", 401,
          "bad credentials"),
    BASIC("basic: padding stripped", "Authorization: Basic Y2FycmllcjpvcGVuIHNlc2FtZQ", 401,
          "bad credentials"),
    BASIC("basic: another scheme", "Authorization: Bearer Y2FycmllcjpvcGVuIHNlc2FtZQ==", 401,
          "bad credentials"),
    BASIC("basic: credentials without the scheme",
          "Authorization: Y2FycmllcjpvcGVuIHNlc2FtZQ==", 401, "bad credentials"),
    {"basic: the end notice without credentials", "POST", "/ussd/basic/end", 0, 0, "sessionId=$S",
     SIGN_NONE, 0, 401, "no credentials", 0},
    {"basic: the scheme in lower case is the same scheme (RFC 9110 11.1)", "POST", "/ussd/basic", 0,
     "Authorization: basic Y2FycmllcjpvcGVuIHNlc2FtZQ==", GOOD, SIGN_NONE, BAD_SESSION, 200, "CON ",
     0},
    PLAIN("path: no segment", "/ussd/plain", 401, "secret path segment"),
    PLAIN("path: last character wrong", "/ussd/plain/h7Kq2_Vb9-Xr4Tn8Lm3Wd6Zs1Pc5Fg0X", 401,
          "secret path segment"),
    PLAIN("path: a prefix of the secret", "/ussd/plain/h7Kq2_Vb9-Xr4Tn8", 401,
          "secret path segment"),
    PLAIN("path: the secret and one more character", "/ussd/plain/$Kx", 401, "secret path segment"),
    PLAIN("path: the secret, then more segments", "/ussd/plain/$K/more", 401,
          "secret path segment"),
    PLAIN("path: the secret in capitals", "/ussd/plain/H7KQ2_VB9-XR4TN8LM3WD6ZS1PC5FG0Y", 401,
          "secret path segment"),
    PLAIN("path: the end notice with a trailing slash", "/ussd/plain/$K/end/", 401,
          "secret path segment"),
    PLAIN("path: the carrier's name run on", "/ussd/plainx/$K", 404, "not found"),
    {"path: the end notice without the secret", "POST", "/ussd/plain/end", 0, 0, "sessionId=$S",
     SIGN_NONE, 0, 401, "secret path segment", 0},
};

const size_t bad_n_cases = sizeof(bad_cases) / sizeof(bad_cases[0]);
