using System.Text.Json.Nodes;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Setup;

/// <summary>
/// Programs the fake GitHub's <c>POST /app-manifests/{code}/conversions</c>: the one valid code answers 201 with
/// GitHub's documented example (<c>integration-from-manifest</c> in GitHub's OpenAPI description) carrying a fresh
/// private key and secrets; any other code answers GitHub's 404.
/// </summary>
internal sealed class ManifestConversionResponder
{
    public const string Route = "/app-manifests/{code}/conversions";

    private static readonly Lazy<JsonObject> Example = new(LoadExample);

    public ManifestConversionResponder(FakeGitHubServer github, string code = "c0de-from-github")
    {
        Code = code;
        App = (JsonObject)Example.Value.DeepClone();
        App["id"] = 424242;
        App["slug"] = "finguard-acme";
        App["name"] = "FinGuard (acme)";
        App["html_url"] = "https://github.com/apps/finguard-acme";
        App["pem"] = FinGuardHost.NewPrivateKeyPem();
        App["webhook_secret"] = "whsec-" + Guid.NewGuid().ToString("N");
        App["client_secret"] = "cs-" + Guid.NewGuid().ToString("N");
        github.Respond("POST", Route, request =>
            request.RouteValues["code"] == Code && request.Header("Authorization") is null
                ? FakeResponse.Json(App.ToJsonString(), 201)
                : FakeResponse.NotFound());
    }

    public string Code { get; }

    /// <summary>The App GitHub returns, secrets included.</summary>
    public JsonObject App { get; }

    public string Pem => (string)App["pem"]!;

    public string WebhookSecret => (string)App["webhook_secret"]!;

    public string ClientSecret => (string)App["client_secret"]!;

    private static JsonObject LoadExample()
    {
        var path = Path.Combine(RepositoryRoot.Path, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json");
        using var stream = File.OpenRead(path);
        var root = JsonNode.Parse(stream)!;
        return root["components"]!["examples"]!["integration-from-manifest"]!["value"]!.DeepClone().AsObject();
    }
}
