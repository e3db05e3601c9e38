using System.Text.Json.Nodes;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Testing.Scenarios;

/// <summary>
/// GitHub's own REST response examples, read from the OpenAPI description installed by npm
/// (<c>node_modules/@octokit/openapi</c>, components/examples), so test responses start from what GitHub documents
/// rather than hand-written JSON.
/// </summary>
public static class GitHubExamples
{
    private static readonly Lazy<JsonObject> Examples = new(Load);

    /// <summary>A deep copy of the example named <paramref name="name"/>, e.g. <c>pull-request</c> or <c>commit-items</c>.</summary>
    public static JsonNode Get(string name) =>
        Examples.Value[name]?["value"]?.DeepClone()
        ?? throw new KeyNotFoundException($"GitHub's OpenAPI description has no example named '{name}'.");

    private static JsonObject Load()
    {
        var path = Path.Combine(RepositoryRoot.Path, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"GitHub's OpenAPI description is missing at {path}; run 'npm ci' first.", path);
        }

        using var stream = File.OpenRead(path);
        var root = JsonNode.Parse(stream)!.AsObject();
        var examples = root["components"]!["examples"]!.AsObject();
        var copy = new JsonObject();
        foreach (var name in new[] { "pull-request", "commit-items", "pull-request-review-items", "check-run", "check-run-paginated", "pull-request-simple-items", "workflow-run", "environment-approvals-items", "workflow-run-paginated", "artifact-paginated", "hook-delivery-items", "commit-comparison", "repository-collaborator-permission-response-if-user-has-admin-permissions", "issue-event-for-issue-items", "diff-entry-items", "team-membership-response-if-user-is-a-team-maintainer" })
        {
            copy[name] = examples[name]!.DeepClone();
        }

        return copy;
    }
}
