using System.Text.Json;
using FinGuard.GitHub.Api;

namespace FinGuard.GitHub.Snapshots;

/// <summary>Reading GitHub responses as facts: shared by the pull request, deployment and scan loaders.</summary>
internal static class GitHubFacts
{
    /// <summary>The response body as JSON; a body that is not JSON is a <see cref="GitHubFactsException"/> naming the request.</summary>
    public static JsonElement Parse(GitHubResponse response)
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

    /// <summary>A git ref (branch or tag name) as a path: each segment escaped, the slashes kept (GitHub reads <c>release/2026</c> as one ref).</summary>
    public static string EscapeRef(string reference) => string.Join('/', reference.Split('/').Select(Uri.EscapeDataString));

    /// <summary>
    /// The logins among <paramref name="candidates"/> that are active members of <paramref name="team"/>
    /// (<c>org/team</c>): one membership read each; a 404 means not a member.
    /// </summary>
    public static async Task<List<string>> TeamMembersAsync(
        GitHubApiClient api, long installationId, string team, IEnumerable<string> candidates, CancellationToken cancellationToken)
    {
        var parts = team.Split('/', 2);
        var members = new List<string>();
        foreach (var login in candidates)
        {
            if (await api.GetIfExistsAsync(installationId, $"orgs/{parts[0]}/teams/{parts[1]}/memberships/{login}", cancellationToken) is { } response
                && Parse(response) is { ValueKind: JsonValueKind.Object } json
                && json.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String && state.GetString() == "active")
            {
                members.Add(login);
            }
        }

        return members;
    }

    /// <summary>
    /// Each of <paramref name="logins"/>' permission on <paramref name="repository"/>
    /// (<c>GET /repos/{owner}/{repo}/collaborators/{username}/permission</c>), recorded in <paramref name="facts"/> as
    /// <c>permission.{login}</c>. Conditional requests through the ETag cache, so an unchanged permission costs a 304.
    /// A login GitHub answers 404 for, or whose permission FinGuard may not read, is left out: unknown, which never
    /// lets an approval count. Transient failures (rate limit, outage) propagate, so the evaluation is retried.
    /// </summary>
    public static async Task<Dictionary<string, JsonElement>> PermissionsAsync(
        GitHubApiClient api, long installationId, string repository, IEnumerable<string> logins, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var login in logins.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            GitHubResponse? response;
            try
            {
                response = await api.GetIfExistsAsync(installationId, $"repos/{repository}/collaborators/{Uri.EscapeDataString(login)}/permission", cancellationToken);
            }
            catch (GitHubApiException ex) when (!ex.IsTransient)
            {
                continue;
            }

            if (response is not null && Parse(response) is { ValueKind: JsonValueKind.Object } json)
            {
                result[login] = json;
                facts.Add(new GitHubFact(Evaluation.PullRequestFactSet.PermissionFactPrefix + login, response.Request, json));
            }
        }

        return result;
    }

    /// <summary>Whether a recorded fact is page one (<paramref name="name"/>) or a later page (<c>{name}.page2</c>, …) of a list.</summary>
    public static bool IsPage(string factName, string name) =>
        factName == name || factName.StartsWith(name + ".page", StringComparison.Ordinal);

    /// <summary>
    /// Every page of a list read oldest first, or null (nothing recorded) when it has more than
    /// <paramref name="maxPages"/> pages: the newest entries are then the ones not read, so the list says nothing reliable.
    /// </summary>
    public static async Task<List<JsonElement>?> LoadAllPagesOrNoneAsync(
        GitHubApiClient api, long installationId, string path, string name, int maxPages, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        var pages = await api.GetPagesAsync(installationId, path, maxPages, cancellationToken);
        return pages.Count > 0 && pages[^1].NextPage is not null ? null : Record(pages, name, facts);
    }

    /// <summary>
    /// Every page of a list (at most <paramref name="maxPages"/>), each recorded in <paramref name="facts"/> as
    /// <paramref name="name"/>, <c>{name}.page2</c>, …
    /// </summary>
    public static async Task<List<JsonElement>> LoadPagesAsync(
        GitHubApiClient api, long installationId, string path, string name, int maxPages, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        return Record(await api.GetPagesAsync(installationId, path, maxPages, cancellationToken), name, facts);
    }

    private static List<JsonElement> Record(IReadOnlyList<GitHubResponse> pages, string name, List<GitHubFact> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var result = new List<JsonElement>(pages.Count);
        for (var i = 0; i < pages.Count; i++)
        {
            var json = Parse(pages[i]);
            result.Add(json);
            facts.Add(new GitHubFact(i == 0 ? name : $"{name}.page{i + 1}", pages[i].Request, json));
        }

        return result;
    }
}
