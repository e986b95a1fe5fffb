// HTTP(S) requests for the identity code (OpenID provider and credential
// broker), over libcurl. Owns the transport policy: TLS verification always on,
// plain http only to a loopback host when explicitly allowed, no redirects,
// bounded time per attempt, a few retries with backoff on transport errors and
// 5xx/429 answers. Bodies may hold secrets and are never logged.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace pqward::identity {

struct HttpPolicy {
  std::string ca_file;               // CA bundle; empty = system default
  bool allow_loopback_http = false;  // allow http:// to 127.0.0.0/8, ::1, localhost
  int timeout_ms = 10000;            // whole request, per attempt
  int retries = 2;                   // extra attempts (transport errors, 5xx, 429)
};

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;
};

struct HttpResponse {
  long status = 0;  // HTTP status code
  std::string body;
};

// Checks a URL against the policy: https, or http to loopback when allowed.
// `what` names the URL in the message ("issuer", "broker url").
Status CheckUrl(const std::string& url, bool allow_loopback_http, const std::string& what);

// Host part of an http(s) URL ("" when malformed).
std::string UrlHost(const std::string& url);

// Performs the request with retries. Transport failures come back as Io naming
// the URL's host and libcurl's reason; any HTTP status is returned in *resp.
Status HttpDo(const HttpPolicy& policy, const HttpRequest& req, HttpResponse* resp);

// application/x-www-form-urlencoded body from pairs (empty values skipped).
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace pqward::identity
