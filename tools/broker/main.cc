// pqward-broker: a reference credential broker speaking the Vault/OpenBao API
// subset pqward uses (docs/broker.md). This file owns the command line and
// the HTTP(S) framing (cpp-httplib); the logic is in broker.cc.
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT  // pkg-config usually defines it
#define CPPHTTPLIB_OPENSSL_SUPPORT
#endif
#include <httplib.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "broker.h"
#include "identity/http.h"

namespace {

httplib::Server* g_server = nullptr;

void OnSignal(int) {
  if (g_server != nullptr) g_server->stop();
}

nlohmann::json Body(const httplib::Request& req) {
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

void Send(httplib::Response& res, const pqward::broker::Reply& r) {
  res.status = r.status;
  if (r.status != 204) res.set_content(r.body.dump(), "application/json");
}

void Routes(httplib::Server& srv, pqward::broker::Broker& broker) {
  using httplib::Request;
  using httplib::Response;
  srv.Get("/v1/sys/health", [](const Request&, Response& res) {
    res.set_content(R"({"initialized":true,"sealed":false})", "application/json");
  });
  auto login = [&](const Request& req, Response& res) {
    Send(res, broker.Login(req.matches[1], Body(req)));
  };
  srv.Post(R"(/v1/auth/([A-Za-z0-9_-]+)/login)", login);
  srv.Put(R"(/v1/auth/([A-Za-z0-9_-]+)/login)", login);
  auto renew = [&](const Request& req, Response& res) {
    Send(res, broker.Renew(req.get_header_value("X-Vault-Token"), Body(req)));
  };
  srv.Post("/v1/sys/leases/renew", renew);
  srv.Put("/v1/sys/leases/renew", renew);
  auto revoke = [&](const Request& req, Response& res) {
    Send(res, broker.Revoke(req.get_header_value("X-Vault-Token"), Body(req)));
  };
  srv.Post("/v1/sys/leases/revoke", revoke);
  srv.Put("/v1/sys/leases/revoke", revoke);
  srv.Get(R"(/v1/([A-Za-z0-9_/-]+))", [&](const Request& req, Response& res) {
    Send(res, broker.ReadCreds(req.get_header_value("X-Vault-Token"), req.matches[1]));
  });
  srv.set_exception_handler([](const Request&, Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(R"({"errors":["internal error"]})", "application/json");
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "pqward-broker: issues short-lived PostgreSQL roles to holders of OIDC tokens "
      "(Vault/OpenBao API subset; see docs/broker.md)"};
  std::string config_path, listen;
  bool allow_http = false;
  std::string cert, key;
  app.add_option("-c,--config", config_path, "TOML configuration file")->required();
  app.add_option("--listen", listen, "host:port to listen on (overrides [broker] listen)");
  app.add_flag("--allow-http-loopback", allow_http,
               "serve plain HTTP (only allowed on a loopback listen address)");
  app.add_option("--tls-cert", cert, "PEM certificate (overrides [broker] tls_cert)");
  app.add_option("--tls-key", key, "PEM private key (overrides [broker] tls_key)");
  CLI11_PARSE(app, argc, argv);

  pqward::broker::BrokerConfig config;
  pqward::Status st = pqward::broker::LoadBrokerConfig(config_path, &config);
  if (!listen.empty()) config.listen = listen;
  if (allow_http) config.allow_http_loopback = true;
  if (!cert.empty()) config.tls_cert = cert;
  if (!key.empty()) config.tls_key = key;
  size_t colon = config.listen.rfind(':');
  std::string host = config.listen.substr(0, colon);
  int port = colon == std::string::npos ? 0 : std::atoi(config.listen.c_str() + colon + 1);
  if (st.ok() && (colon == std::string::npos || port <= 0)) {
    st = pqward::Status::Config("listen '" + config.listen + "' is not host:port");
  }
  bool plain = config.allow_http_loopback;
  if (st.ok() && plain && !(host == "127.0.0.1" || host == "::1" || host == "localhost")) {
    st = pqward::Status::Config("plain HTTP is only allowed on a loopback listen address");
  }
  if (st.ok() && !plain && (config.tls_cert.empty() || config.tls_key.empty())) {
    st = pqward::Status::Config("TLS needs tls_cert and tls_key (or --allow-http-loopback)");
  }
  if (st.ok()) {
    st = pqward::identity::CheckUrl(config.oidc.issuer,
                                    config.oidc.allow_insecure_http_for_loopback, "issuer");
  }
  if (!st.ok()) {
    std::fprintf(stderr, "pqward-broker: %s\n", st.ToString().c_str());
    return 2;
  }

  std::unique_ptr<httplib::Server> srv;
  if (plain) {
    srv = std::make_unique<httplib::Server>();
  } else {
    auto tls =
        std::make_unique<httplib::SSLServer>(config.tls_cert.c_str(), config.tls_key.c_str());
    if (!tls->is_valid()) {
      std::fprintf(stderr, "pqward-broker: cannot load TLS certificate or key\n");
      return 2;
    }
    srv = std::move(tls);
  }
  pqward::broker::Broker broker(config);
  st = broker.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "pqward-broker: %s\n", st.ToString().c_str());
    return 2;
  }
  Routes(*srv, broker);
  srv->set_read_timeout(10, 0);
  srv->set_write_timeout(10, 0);
  if (!srv->bind_to_port(host.c_str(), port)) {
    std::fprintf(stderr, "pqward-broker: cannot listen on %s\n", config.listen.c_str());
    return 2;
  }
  g_server = srv.get();
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::fprintf(stderr, "pqward-broker: listening on %s://%s\n", plain ? "http" : "https",
               config.listen.c_str());
  srv->listen_after_bind();
  broker.Stop();
  return 0;
}
