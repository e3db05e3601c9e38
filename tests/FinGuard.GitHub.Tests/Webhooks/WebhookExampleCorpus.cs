using System.Text.Json;
using FinGuard.GitHub.Webhooks;

namespace FinGuard.GitHub.Tests.Webhooks;

/// <summary>
/// Real payloads from <c>@octokit/webhooks-examples</c> (<c>node_modules/@octokit/webhooks-examples/api.github.com/index.json</c>,
/// a JSON array of <c>{ name, examples: [...] }</c>), read in place from the repository root; run <c>npm ci</c> there first.
/// </summary>
internal static class WebhookExampleCorpus
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);
    private static readonly Lazy<Dictionary<string, IReadOnlyList<string>>> Examples = new(Load);

    public static string RepositoryRoot => Root.Value;

    /// <summary>One row per example of every supported event: (event name, index within the event, action or "-").</summary>
    public static TheoryData<string, int, string> SupportedEventExamples()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var eventName in WebhookEvents.Supported.Order(StringComparer.Ordinal))
        {
            var examples = Examples.Value.GetValueOrDefault(eventName) ?? [];
            for (var i = 0; i < examples.Count; i++)
            {
                using var document = JsonDocument.Parse(examples[i]);
                var action = document.RootElement.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "-";
                data.Add(eventName, i, action);
            }
        }

        return data;
    }

    public static IReadOnlyList<string> EventsWithExamples() => [.. Examples.Value.Keys];

    /// <summary>The raw JSON text of one example, exactly as stored in the package.</summary>
    public static string Get(string eventName, int index) => Examples.Value[eventName][index];

    public static IReadOnlyList<string> All(string eventName) => Examples.Value.GetValueOrDefault(eventName) ?? [];

    private static Dictionary<string, IReadOnlyList<string>> Load()
    {
        var path = Path.Combine(RepositoryRoot, "node_modules", "@octokit", "webhooks-examples", "api.github.com", "index.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: run `npm ci` in {RepositoryRoot}.");
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            var name = entry.GetProperty("name").GetString()!;
            result[name] = [.. entry.GetProperty("examples").EnumerateArray().Select(e => e.GetRawText())];
        }

        return result;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FinGuard.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No FinGuard.sln above {AppContext.BaseDirectory}.");
    }
}
