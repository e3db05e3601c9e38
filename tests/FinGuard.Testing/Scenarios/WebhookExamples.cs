using System.Text.Json.Nodes;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Testing.Scenarios;

/// <summary>Recorded GitHub webhook payloads from <c>@octokit/webhooks-examples</c> (installed by npm, never copied).</summary>
public static class WebhookExamples
{
    private static readonly Lazy<JsonArray> Index = new(Load);

    /// <summary>Every recorded example of <paramref name="eventName"/>, deep-copied.</summary>
    public static IReadOnlyList<JsonObject> All(string eventName) =>
        Index.Value
            .Where(e => (string?)e!["name"] == eventName)
            .SelectMany(e => e!["examples"]!.AsArray())
            .Select(x => x!.DeepClone().AsObject())
            .ToList();

    /// <summary>The first recorded example of <paramref name="eventName"/> with the given action.</summary>
    public static JsonObject First(string eventName, string? action) =>
        All(eventName).FirstOrDefault(x => (string?)x["action"] == action)
        ?? throw new KeyNotFoundException($"@octokit/webhooks-examples has no {eventName}.{action} example.");

    private static JsonArray Load()
    {
        var path = Path.Combine(RepositoryRoot.Path, "node_modules", "@octokit", "webhooks-examples", "api.github.com", "index.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"GitHub's webhook examples are missing at {path}; run 'npm ci' first.", path);
        }

        using var stream = File.OpenRead(path);
        return JsonNode.Parse(stream)!.AsArray();
    }
}
