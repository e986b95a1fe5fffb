// libcurl transport for identity/ (see http.h for the policy it enforces).
#include "identity/http.h"

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace pqward::identity {

namespace {

size_t Append(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > (8u << 20)) return 0;  // 8 MiB cap on any answer
  out->append(data, size * n);
  return size * n;
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// One attempt; CURLcode != OK means transport failure described in *err.
CURLcode Attempt(const HttpPolicy& p, const HttpRequest& req, HttpResponse* resp,
                 std::string* err) {
  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) return CURLE_FAILED_INIT;
  std::unique_ptr<curl_slist, CurlFree> headers;
  for (const std::string& h : req.headers) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, p.allow_loopback_http ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!p.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, p.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(p.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(p.timeout_ms, 5000)));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp->body);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "pqward-identity");
  if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req.body.c_str());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(req.body.size()));
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  resp->body.clear();
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    *err = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    return rc;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
  return CURLE_OK;
}

}  // namespace

std::string UrlHost(const std::string& url) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? end : end - start);
  if (authority.find('@') != std::string::npos) return "";  // no userinfo in our URLs
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    return close == std::string::npos ? "" : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

Status CheckUrl(const std::string& url, bool allow_loopback_http, const std::string& what) {
  std::string host = UrlHost(url);
  if (host.empty()) return Status::Config(what + " '" + url + "' is not an http(s) URL");
  if (url.rfind("https://", 0) == 0) return Status::OK();
  if (url.rfind("http://", 0) == 0) {
    if (!allow_loopback_http) {
      return Status::Config(what + " '" + url +
                            "' is plain http; use https (or allow_insecure_http_for_loopback "
                            "= true for a loopback host)");
    }
    if (!IsLoopbackHost(host)) {
      return Status::Config(what + " '" + url + "' is plain http to a non-loopback host");
    }
    return Status::OK();
  }
  return Status::Config(what + " '" + url + "' is not an http(s) URL");
}

Status HttpDo(const HttpPolicy& policy, const HttpRequest& req, HttpResponse* resp) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  PQWARD_RETURN_IF_ERROR(CheckUrl(req.url, policy.allow_loopback_http, "URL"));
  std::string err;
  CURLcode rc = CURLE_OK;
  for (int attempt = 0;; ++attempt) {
    rc = Attempt(policy, req, resp, &err);
    bool retry_status = rc == CURLE_OK && (resp->status >= 500 || resp->status == 429);
    bool fatal_transport = rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_PEER_FAILED_VERIFICATION ||
                           rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT;
    if ((rc == CURLE_OK && !retry_status) || fatal_transport || attempt >= policy.retries) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
  }
  if (rc != CURLE_OK) {
    return Status::Io(req.method + " " + UrlHost(req.url) + " failed: " + err);
  }
  return Status::OK();
}

std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (v.empty()) continue;
    char* ek = curl_easy_escape(nullptr, k.c_str(), static_cast<int>(k.size()));
    char* ev = curl_easy_escape(nullptr, v.c_str(), static_cast<int>(v.size()));
    if (!out.empty()) out += '&';
    out += std::string(ek ? ek : "") + "=" + (ev ? ev : "");
    curl_free(ek);
    curl_free(ev);
  }
  return out;
}

}  // namespace pqward::identity
