using System.Text;
using System.Text.Json;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Evaluation;

namespace FinGuard.GitHub.Snapshots;

/// <summary>Reads one policy file through GitHub's contents API (base64 decoded, blob SHA kept); shared by the pull request and deployment loaders.</summary>
internal static class PolicyFileReader
{
    /// <summary>A policy file's content at <paramref name="reference"/> (null: the default branch), or null when absent.</summary>
    public static async Task<PolicyFile?> ReadAsync(GitHubApiClient api, long installationId, string repository, string path, string? reference, CancellationToken cancellationToken)
    {
        var query = reference is null ? "" : $"?ref={Uri.EscapeDataString(reference)}";
        if (await api.GetIfExistsAsync(installationId, $"repos/{repository}/contents/{path}{query}", cancellationToken) is not { } response)
        {
            return null;
        }

        var json = GitHubFacts.Parse(response);
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("type", out var type) || type.GetString() != "file")
        {
            throw new GitHubFactsException($"{repository}:{path} is not a file.");
        }

        var encoding = json.TryGetProperty("encoding", out var e) ? e.GetString() : null;
        var content = json.TryGetProperty("content", out var body) ? body.GetString() ?? "" : "";
        string text;
        try
        {
            text = encoding == "base64"
                ? Encoding.UTF8.GetString(Convert.FromBase64String(content.Replace("\n", "", StringComparison.Ordinal)))
                : content;
        }
        catch (FormatException ex)
        {
            throw new GitHubFactsException($"GitHub returned {repository}:{path} with invalid base64 content.", ex);
        }

        return new PolicyFile(repository, path, reference, json.TryGetProperty("sha", out var sha) ? sha.GetString() : null, text);
    }
}
