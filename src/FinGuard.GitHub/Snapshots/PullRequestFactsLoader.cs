using System.Text.Json;
using FinGuard.Core.Policy;
using FinGuard.Core.Snapshots;
using FinGuard.GitHub.Api;

namespace FinGuard.GitHub.Snapshots;

/// <summary>A GitHub response a decision used: which request, and the body exactly as received.</summary>
public sealed record GitHubFact(string Name, string Request, JsonElement Body);

/// <summary>The snapshot and the raw responses it was built from.</summary>
public sealed record PullRequestFacts(PullRequestSnapshot Snapshot, IReadOnlyList<GitHubFact> Facts);

/// <summary>
/// Loads the facts the pull request controls need: the pull request, and its commits (paginated, 100 a page).
/// When the pull request has more commits than GitHub lists, the commits are not fetched: the control fails
/// closed on the reported count.
/// </summary>
public sealed class PullRequestFactsLoader(GitHubApiClient api)
{
    public async Task<PullRequestFacts> LoadAsync(long installationId, string repository, int number, CancellationToken cancellationToken)
    {
        var facts = new List<GitHubFact>();
        var pull = await api.GetAsync(installationId, $"repos/{repository}/pulls/{number}", cancellationToken);
        var pullJson = Parse(pull);
        facts.Add(new GitHubFact("pull", pull.Request, pullJson));

        var reported = pullJson.TryGetProperty("commits", out var c) && c.TryGetInt32(out var n) ? n : 0;
        var commitPages = new List<JsonElement>();
        if (reported <= FinGuardPolicy.GitHubCommitListLimit)
        {
            var pages = await api.GetPagesAsync(installationId, $"repos/{repository}/pulls/{number}/commits?per_page=100", maxPages: 3, cancellationToken);
            for (var i = 0; i < pages.Count; i++)
            {
                var json = Parse(pages[i]);
                commitPages.Add(json);
                facts.Add(new GitHubFact(i == 0 ? "commits" : $"commits.page{i + 1}", pages[i].Request, json));
            }
        }

        var snapshot = PullRequestSnapshotParser.Parse(repository, pullJson, commitPages);
        return new PullRequestFacts(snapshot, facts);
    }

    private static JsonElement Parse(GitHubResponse response)
    {
        try
        {
            return response.Json();
        }
        catch (JsonException ex)
        {
            throw new GitHubFactsException($"GitHub's response to {response.Request} is not valid JSON: {ex.Message}", ex);
        }
    }
}
