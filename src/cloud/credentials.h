// File: credentials.h
//
// AWS credential providers and the SDK-default chain, with caching and refresh before expiry:
//   1. environment keys: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN];
//   2. web identity (IRSA): AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN [+ AWS_ROLE_SESSION_NAME]
//      -> STS AssumeRoleWithWebIdentity (unsigned POST) at the STS endpoint (endpoints.h);
//   3. container credentials (EKS Pod Identity, ECS): AWS_CONTAINER_CREDENTIALS_FULL_URI (or
//      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or
//      AWS_CONTAINER_AUTHORIZATION_TOKEN -> JSON {AccessKeyId, SecretAccessKey, Token,
//      Expiration};
//   4. the IMDS instance role: meta-data/iam/security-credentials/<role> -> the same JSON.
// A provider that is not configured answers kNotFound and the chain moves on; any other error
// stops the chain (a misconfigured IRSA must not silently fall back to the node role).
//
// Secrets (secret key, session token, web identity token, container authorization token) never
// appear in log lines or error messages; only the access key ID's first four characters do.
// Thread-safety: every provider's Get() may be called concurrently.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "cloud/endpoints.h"
#include "cloud/http_client.h"
#include "cloud/imds_client.h"
#include "cloud/sigv4.h"

namespace vpccni::cloud {

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Current credentials. kNotFound when this provider is not configured.
  virtual Result<AwsCredentials> Get() = 0;
  virtual std::string Name() const = 0;
};

// Reads a whole file (the token files). Production: ReadFileToString.
using FileReader = std::function<Result<std::string>(const std::string& path)>;
Result<std::string> ReadFileToString(const std::string& path);

// "AKID****" style rendering for logs.
std::string RedactedKeyId(const std::string& access_key_id);

// ---- Pure parsers (fuzzed through the IMDS target) ----

// RFC 3339 / ISO 8601 UTC time: "2026-11-26T06:54:49Z", with optional fractional seconds and a
// "+hh:mm"/"-hh:mm" offset. kInvalidArgument otherwise.
Result<WallTime> ParseRfc3339(std::string_view s);

// The JSON served by IMDS role credentials and container endpoints. kDataLoss when it is not
// JSON, lacks a key, has Code != "Success", or a bad Expiration. The message never quotes the
// body.
Result<AwsCredentials> ParseCredentialsJson(std::string_view body, std::string provider);

// An STS AssumeRoleWithWebIdentity reply (AssumeRoleWithWebIdentityResult/Credentials).
// kDataLoss as above.
Result<AwsCredentials> ParseAssumeRoleWithWebIdentityXml(std::string_view xml);

// ---- Providers ----

class StaticCredentialsProvider : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(AwsCredentials creds) : creds_(std::move(creds)) {}
  Result<AwsCredentials> Get() override { return creds_; }
  std::string Name() const override { return "static"; }

 private:
  AwsCredentials creds_;
};

class EnvCredentialsProvider : public CredentialsProvider {
 public:
  explicit EnvCredentialsProvider(const EnvMap& env);
  // kNotFound when neither key is set; kInvalidArgument when only one of the pair is.
  Result<AwsCredentials> Get() override;
  std::string Name() const override { return "env"; }

 private:
  std::string key_id_;
  std::string secret_;
  std::string token_;
};

struct WebIdentityConfig {
  std::string token_file;
  std::string role_arn;
  std::string session_name;
  std::string sts_endpoint;  // https://sts.<region>.amazonaws.com or an override
  Duration timeout = std::chrono::seconds(10);
};

class WebIdentityCredentialsProvider : public CredentialsProvider {
 public:
  // http must outlive the provider.
  WebIdentityCredentialsProvider(WebIdentityConfig config, HttpClient& http,
                                 FileReader read_file = ReadFileToString);
  // Reads the token file on every call (kubelet rotates it) and calls STS. Errors: the token
  // file's read error; STS error codes mapped like EC2's (InvalidIdentityToken ->
  // kPermissionDenied, ...); transport errors; kDataLoss for a malformed reply.
  Result<AwsCredentials> Get() override;
  std::string Name() const override { return "web-identity"; }

 private:
  WebIdentityConfig config_;
  HttpClient& http_;
  FileReader read_file_;
};

struct ContainerCredentialsConfig {
  std::string uri;
  // Literal token, or a file re-read on every call (Pod Identity rotates it).
  std::string auth_token;
  std::string auth_token_file;
  Duration timeout = std::chrono::seconds(5);
};

class ContainerCredentialsProvider : public CredentialsProvider {
 public:
  ContainerCredentialsProvider(ContainerCredentialsConfig config, HttpClient& http,
                               FileReader read_file = ReadFileToString);
  Result<AwsCredentials> Get() override;
  std::string Name() const override { return "container"; }

 private:
  ContainerCredentialsConfig config_;
  HttpClient& http_;
  FileReader read_file_;
};

class ImdsCredentialsProvider : public CredentialsProvider {
 public:
  explicit ImdsCredentialsProvider(ImdsClient& imds) : imds_(imds) {}
  // kNotFound when the instance has no role.
  Result<AwsCredentials> Get() override;
  std::string Name() const override { return "imds"; }

 private:
  ImdsClient& imds_;
};

// Tries providers in order; the first that is configured (does not answer kNotFound) wins.
class ChainCredentialsProvider : public CredentialsProvider {
 public:
  explicit ChainCredentialsProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers)
      : providers_(std::move(providers)) {}
  // kNotFound listing every provider tried when none is configured.
  Result<AwsCredentials> Get() override;
  std::string Name() const override { return "chain"; }

 private:
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

// Caches the inner provider's credentials and refreshes them `refresh_before` (default 5 min)
// ahead of their expiration. If a refresh fails while the cached credentials have not expired
// yet, the cached ones are returned (and the failure logged). Credentials without an expiration
// are cached for ever.
class CachingCredentialsProvider : public CredentialsProvider {
 public:
  CachingCredentialsProvider(std::unique_ptr<CredentialsProvider> inner, Clock& clock,
                             Duration refresh_before = std::chrono::minutes(5));
  Result<AwsCredentials> Get() override;
  std::string Name() const override { return "cached:" + inner_->Name(); }
  // Drops the cache (e.g. after an AuthFailure from EC2).
  void Invalidate();
  // Number of inner fetches so far.
  int Fetches() const;

 private:
  std::unique_ptr<CredentialsProvider> inner_;
  Clock& clock_;
  Duration refresh_before_;
  mutable std::mutex mu_;
  std::optional<AwsCredentials> cached_;
  int fetches_ = 0;
};

// Builds the default chain (env, web identity, container, IMDS) wrapped in a cache. `imds` may
// be null (no IMDS step). http, imds and clock must outlive the result. region is used for the
// regional STS endpoint. kInvalidArgument for a half-configured source (e.g.
// AWS_WEB_IDENTITY_TOKEN_FILE without AWS_ROLE_ARN).
Result<std::unique_ptr<CachingCredentialsProvider>> MakeDefaultCredentialsChain(
    const EnvMap& env, const std::string& region, HttpClient& http, ImdsClient* imds,
    Clock& clock, FileReader read_file = ReadFileToString);

}  // namespace vpccni::cloud
