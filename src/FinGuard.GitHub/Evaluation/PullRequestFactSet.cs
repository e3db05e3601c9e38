using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.GitHub.Evaluation;

/// <summary>A policy file as read from GitHub: where it came from, its blob SHA, and its text.</summary>
/// <param name="Repository">The repository holding the file (<c>owner/repo</c>).</param>
/// <param name="Path">Path in that repository, e.g. <c>.github/finguard.yml</c>.</param>
/// <param name="Ref">The branch it was read from (the PR's base branch, or the org repository's default branch).</param>
/// <param name="BlobSha">Git blob SHA of the file, recorded in evidence; null for a file given offline.</param>
/// <param name="Text">The YAML text.</param>
public sealed record PolicyFile(string Repository, string Path, string? Ref, string? BlobSha, string Text)
{
    public string DisplayName => $"{Repository}:{Path}{(Ref is null ? "" : "@" + Ref)}";

    public JsonElement ToJson() => JsonSerializer.SerializeToElement(new JsonObject
    {
        ["repository"] = Repository,
        ["path"] = Path,
        ["ref"] = Ref,
        ["sha"] = BlobSha,
        ["content"] = Text,
    });

    /// <summary>Reads a recorded policy file; a record that does not have this shape is a <see cref="GitHubFactsException"/> naming the field.</summary>
    public static PolicyFile FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new GitHubFactsException($"A recorded policy file must be a JSON object, got {element.ValueKind.ToString().ToLowerInvariant()}.");
        }

        return new PolicyFile(Required(element, "repository"), Required(element, "path"), Optional(element, "ref"), Optional(element, "sha"), Required(element, "content"));
    }

    private static string Required(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new GitHubFactsException($"A recorded policy file has no `{name}` string.");

    private static string? Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// The base branch's CODEOWNERS as FinGuard looked for it: the file found first in GitHub's locations, or none.
/// </summary>
/// <param name="File">The file; null when the branch has none in any location.</param>
/// <param name="Ref">The branch searched.</param>
public sealed record CodeOwnersSource(PolicyFile? File, string? Ref)
{
    public JsonElement ToJson() => File is { } file
        ? file.ToJson()
        : JsonSerializer.SerializeToElement(new JsonObject
        {
            ["found"] = false,
            ["ref"] = Ref,
            ["searched"] = new JsonArray([.. Core.CodeOwners.CodeOwnersFile.Locations.Select(l => (JsonNode)l)]),
        });

    public static CodeOwnersSource FromJson(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("found", out var found) && found.ValueKind == JsonValueKind.False
            ? new CodeOwnersSource(null, element.TryGetProperty("ref", out var reference) && reference.ValueKind == JsonValueKind.String ? reference.GetString() : null)
            : new CodeOwnersSource(PolicyFile.FromJson(element), null);

    /// <summary>As the core sees it.</summary>
    public Core.Snapshots.CodeOwnersFact ToFact() => new(File?.Path, File?.Text);
}

/// <summary>
/// Every GitHub response a pull request decision is computed from, as GitHub returned it. The server's loader,
/// the offline evaluator (<c>finguard evaluate --offline DIR</c>) and evidence replay all build one of these and
/// hand it to <see cref="PullRequestEvaluator"/>, so they evaluate the same way.
/// </summary>
public sealed record PullRequestFactSet
{
    public const string PullFact = "pull";
    public const string CommitsFact = "commits";
    public const string CompareFact = "compare";
    public const string ReviewsFact = "reviews";
    public const string TeamMembersFact = "team-members";

    /// <summary>One reviewer's <c>GET /repos/{owner}/{repo}/collaborators/{username}/permission</c>: <c>permission.{login}</c>.</summary>
    public const string PermissionFactPrefix = "permission.";
    public const string IssueEventsFact = "issue-events";

    /// <summary>One <c>GET /repos/{owner}/{repo}/compare/{basehead}</c> read to check an update merge: <c>comparison.{basehead}</c>.</summary>
    public const string ComparisonFactPrefix = "comparison.";
    public const string RepositoryPolicyFact = "policy.repository";
    public const string OrganizationPolicyFact = "policy.organization";

    /// <summary>The pages of <c>GET /repos/{owner}/{repo}/pulls/{number}/files</c> (<c>files</c>, <c>files.page2</c>, …).</summary>
    public const string FilesFact = "files";

    /// <summary>The base branch's CODEOWNERS as a recorded file, or <c>{"found": false, …}</c> when no location has one.</summary>
    public const string CodeOwnersFact = "codeowners";

    /// <summary>A <c>pull_request</c> delivery that set the head (<c>head-push</c>, <c>head-push.2</c>, …), reduced to what names the push.</summary>
    public const string HeadPushFact = "head-push";

    public required string Repository { get; init; }

    public required JsonElement Pull { get; init; }

    public required IReadOnlyList<JsonElement> CommitPages { get; init; }

    public IReadOnlyList<JsonElement> ReviewPages { get; init; } = [];

    /// <summary><c>org/team</c> → logins known to be members (only teams the policy names, only candidates checked).</summary>
    public IReadOnlyDictionary<string, IReadOnlyCollection<string>> TeamMembers { get; init; } = new Dictionary<string, IReadOnlyCollection<string>>();

    /// <summary>
    /// Each approving reviewer's <c>GET /repos/{owner}/{repo}/collaborators/{username}/permission</c> response, by the
    /// login asked about; a reviewer absent here has a permission FinGuard does not know (a 404, or not asked).
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> Permissions { get; init; } = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The comparisons read to check update merges (<see cref="Core.Controls.UpdateMerges"/>), by the <c>basehead</c>
    /// asked for; empty unless <c>ignore-update-merges</c> is on and an approval is of an earlier head.
    /// </summary>
    public IReadOnlyDictionary<string, JsonElement> Comparisons { get; init; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>The pages of <c>GET /repos/{owner}/{repo}/issues/{number}/events</c>; null when not loaded (no break-glass label).</summary>
    public IReadOnlyList<JsonElement>? IssueEventPages { get; init; }

    public PolicyFile? RepositoryPolicy { get; init; }

    public PolicyFile? OrganizationPolicy { get; init; }

    /// <summary>The <c>pull_request</c> deliveries that set the head (their <c>sender</c> pushed it); empty: the pusher is unknown.</summary>
    public IReadOnlyList<HeadPushDelivery> HeadPushes { get; init; } = [];

    /// <summary>This fact set with <paramref name="pushes"/> as its head pushes, each recorded as a fact named by its delivery.</summary>
    public PullRequestFactSet WithHeadPushes(IReadOnlyList<HeadPushDelivery> pushes)
    {
        ArgumentNullException.ThrowIfNull(pushes);
        return this with
        {
            HeadPushes = pushes,
            Facts = [.. Facts, .. pushes.Select((p, i) => new GitHubFact(i == 0 ? HeadPushFact : $"{HeadPushFact}.{i + 1}", p.Source, p.Body))],
        };
    }

    /// <summary>The pages of <c>GET pulls/{n}/files</c>; null when not loaded (the policy has no code owners or approval rules).</summary>
    public IReadOnlyList<JsonElement>? FilePages { get; init; }

    /// <summary>The base branch's CODEOWNERS; null when not loaded (unknown).</summary>
    public CodeOwnersSource? CodeOwners { get; init; }

    /// <summary>The head commit's check runs and scanner output files; null when not loaded (the policy names no scan source).</summary>
    public Scans.ScanFactsResponses? ScanResponses { get; init; }

    /// <summary>The facts as evidence: one entry per response, named as <see cref="FromFacts"/> reads them back.</summary>
    public IReadOnlyList<GitHubFact> Facts { get; init; } = [];

    /// <summary>Rebuilds a fact set from recorded facts (evidence replay).</summary>
    public static PullRequestFactSet FromFacts(string repository, IEnumerable<GitHubFact> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var list = facts.ToList();
        var pull = list.FirstOrDefault(f => f.Name == PullFact)
            ?? throw new GitHubFactsException("The recorded facts have no 'pull' response.");
        var teams = list.FirstOrDefault(f => f.Name == TeamMembersFact);
        return new PullRequestFactSet
        {
            Repository = repository,
            Pull = pull.Body,
            CommitPages = CommitPagesOf(list),
            ReviewPages = [.. list.Where(f => GitHubFacts.IsPage(f.Name, ReviewsFact)).Select(f => f.Body)],
            TeamMembers = teams is null ? new Dictionary<string, IReadOnlyCollection<string>>() : ReadTeamMembers(teams.Body),
            Permissions = PermissionsOf(list),
            Comparisons = list.Where(f => f.Name.StartsWith(ComparisonFactPrefix, StringComparison.Ordinal))
                .ToDictionary(f => f.Name[ComparisonFactPrefix.Length..], f => f.Body, StringComparer.Ordinal),
            IssueEventPages = list.Any(f => GitHubFacts.IsPage(f.Name, IssueEventsFact))
                ? [.. list.Where(f => GitHubFacts.IsPage(f.Name, IssueEventsFact)).Select(f => f.Body)]
                : null,
            RepositoryPolicy = list.FirstOrDefault(f => f.Name == RepositoryPolicyFact) is { } repo ? PolicyFile.FromJson(repo.Body) : null,
            OrganizationPolicy = list.FirstOrDefault(f => f.Name == OrganizationPolicyFact) is { } org ? PolicyFile.FromJson(org.Body) : null,
            ScanResponses = Scans.ScanFactsResponses.FromFacts(list),
            FilePages = list.Any(f => GitHubFacts.IsPage(f.Name, FilesFact)) ? [.. list.Where(f => GitHubFacts.IsPage(f.Name, FilesFact)).Select(f => f.Body)] : null,
            CodeOwners = list.FirstOrDefault(f => f.Name == CodeOwnersFact) is { } owners ? CodeOwnersSource.FromJson(owners.Body) : null,
            HeadPushes = [.. list.Where(f => f.Name == HeadPushFact || f.Name.StartsWith(HeadPushFact + ".", StringComparison.Ordinal)).Select(f => new HeadPushDelivery(f.Body, f.Request))],
            Facts = list,
        };
    }

    /// <summary>
    /// The commit pages of recorded facts: the <c>commits</c> of the <c>compare</c> response and its later pages
    /// (<c>compare.page2</c>, …), or the pages of <c>GET pulls/{n}/commits</c> (earlier records, and offline fact sets).
    /// </summary>
    private static List<JsonElement> CommitPagesOf(List<GitHubFact> facts)
    {
        var compares = facts.Where(f => GitHubFacts.IsPage(f.Name, CompareFact)).ToList();
        if (compares.Count > 0)
        {
            return [.. compares.Select(compare =>
                compare.Body.ValueKind == JsonValueKind.Object && compare.Body.TryGetProperty("commits", out var commits)
                    ? commits
                    : throw new GitHubFactsException($"The recorded '{compare.Name}' response has no `commits`."))];
        }

        return [.. facts.Where(f => GitHubFacts.IsPage(f.Name, CommitsFact)).Select(f => f.Body)];
    }

    /// <summary>The recorded permission responses, by the login in each fact's name.</summary>
    public static Dictionary<string, JsonElement> PermissionsOf(IEnumerable<GitHubFact> facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var result = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var fact in facts.Where(f => f.Name.StartsWith(PermissionFactPrefix, StringComparison.Ordinal)))
        {
            result[fact.Name[PermissionFactPrefix.Length..]] = fact.Body;
        }

        return result;
    }

    /// <summary>A compare response without its <c>files</c> (the diff); every other property as GitHub returned it, in order.</summary>
    public static JsonElement WithoutFiles(JsonElement compare)
    {
        if (!compare.TryGetProperty("files", out _))
        {
            return compare;
        }

        using var buffer = new Core.Evidence.PooledBufferWriter();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in compare.EnumerateObject())
            {
                if (property.NameEquals("files"))
                {
                    continue;
                }

                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>A page of <c>GET pulls/{n}/files</c> without each file's <c>patch</c>; everything else as GitHub returned it.</summary>
    public static JsonElement WithoutPatches(JsonElement page)
    {
        if (page.ValueKind != JsonValueKind.Array)
        {
            return page;
        }

        var node = JsonNode.Parse(page.GetRawText())!.AsArray();
        foreach (var file in node)
        {
            if (file is JsonObject entry)
            {
                entry.Remove("patch");
            }
        }

        return JsonSerializer.SerializeToElement(node);
    }

    /// <summary>Reads <c>{"org/team": ["login", …]}</c>.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyCollection<string>> ReadTeamMembers(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new GitHubFactsException("Team members must be a JSON object mapping \"org/team\" to an array of logins.");
        }

        var result = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var team in element.EnumerateObject())
        {
            if (team.Value.ValueKind != JsonValueKind.Array || team.Value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            {
                throw new GitHubFactsException($"Team members of \"{team.Name}\" must be an array of login strings.");
            }

            result[team.Name] = [.. team.Value.EnumerateArray().Select(v => v.GetString()!)];
        }

        return result;
    }

    public static JsonElement WriteTeamMembers(IReadOnlyDictionary<string, IReadOnlyCollection<string>> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var node = new JsonObject();
        foreach (var (team, logins) in members.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            node[team] = new JsonArray([.. logins.Order(StringComparer.Ordinal).Select(l => (JsonNode)l)]);
        }

        return JsonSerializer.SerializeToElement(node);
    }
}
