using System.Collections.Immutable;
using System.Text.Json;
using FinGuard.Core.Policy;
using FinGuard.Core.Snapshots;

namespace FinGuard.GitHub.Snapshots;

/// <summary>GitHub's REST responses did not have the shape FinGuard needs. The message names the file or request and the field.</summary>
public sealed class GitHubFactsException : Exception
{
    public GitHubFactsException(string message)
        : base(message)
    {
    }

    public GitHubFactsException()
    {
    }

    public GitHubFactsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Builds a <see cref="PullRequestSnapshot"/> from GitHub REST responses exactly as GitHub returns them
/// (GET pulls/{n}, GET pulls/{n}/commits pages, GET pulls/{n}/reviews pages). The server's loader and the
/// offline evaluator both use this, so they evaluate the same facts the same way.
/// </summary>
public static class PullRequestSnapshotParser
{
    public static PullRequestSnapshot Parse(
        string repository,
        JsonElement pull,
        IEnumerable<JsonElement> commitPages,
        IEnumerable<JsonElement>? reviewPages = null,
        IReadOnlyDictionary<string, IReadOnlyCollection<string>>? teamMembers = null,
        IReadOnlyDictionary<string, JsonElement>? permissions = null,
        IEnumerable<JsonElement>? issueEventPages = null,
        IEnumerable<HeadPushDelivery>? headPushes = null)
    {
        ArgumentNullException.ThrowIfNull(commitPages);
        RequireKind(pull, JsonValueKind.Object, "pull request");

        var commits = ParseCommits(commitPages);

        var reviews = ImmutableArray.CreateBuilder<ReviewFact>();
        foreach (var page in reviewPages ?? [])
        {
            RequireKind(page, JsonValueKind.Array, "reviews");
            foreach (var item in page.EnumerateArray())
            {
                RequireKind(item, JsonValueKind.Object, "review");
                var user = ParseUser(item, "user");
                if (user is null)
                {
                    continue; // a review by a deleted account ("ghost") cannot count as an approval.
                }

                reviews.Add(new ReviewFact(
                    GetInt64(item, "id", "review"),
                    user,
                    GetString(item, "state", "review"),
                    OptionalString(item, "commit_id"),
                    SubmittedAt(item)));
            }
        }

        var head = GetObject(pull, "head", "pull request");
        var @base = GetObject(pull, "base", "pull request");
        var headSha = GetString(head, "sha", "pull request head");
        return new PullRequestSnapshot
        {
            HeadPushes = [.. (headPushes ?? []).Select(p => ParseHeadPush(p, headSha)).OfType<HeadPushFact>()],
            Repository = repository,
            Number = (int)GetInt64(pull, "number", "pull request"),
            HeadSha = GetString(head, "sha", "pull request head"),
            BaseRef = GetString(@base, "ref", "pull request base"),
            Author = ParseUser(pull, "user") ?? throw new GitHubFactsException("The pull request has no `user` (author)."),
            Draft = pull.TryGetProperty("draft", out var draft) && draft.ValueKind == JsonValueKind.True,
            ReportedCommitCount = pull.TryGetProperty("commits", out var count) && count.ValueKind == JsonValueKind.Number && count.TryGetInt32(out var reported)
                ? reported
                : commits.Length,
            DefaultBranch = @base.TryGetProperty("repo", out var baseRepo) && baseRepo.ValueKind == JsonValueKind.Object
                ? OptionalString(baseRepo, "default_branch")
                : null,
            ReportedChangedFileCount = pull.TryGetProperty("changed_files", out var changed) && changed.ValueKind == JsonValueKind.Number && changed.TryGetInt32(out var files)
                ? files
                : null,
            Commits = commits,
            Reviews = reviews.ToImmutable(),
            Labels = pull.TryGetProperty("labels", out var labels) && labels.ValueKind == JsonValueKind.Array
                ? [.. labels.EnumerateArray().Select(l => l.ValueKind == JsonValueKind.Object ? OptionalString(l, "name") : null).OfType<string>()]
                : [],
            TeamMembers = (teamMembers ?? new Dictionary<string, IReadOnlyCollection<string>>())
                .ToImmutableDictionary(
                    t => t.Key,
                    t => t.Value.ToImmutableHashSet(StringComparer.OrdinalIgnoreCase),
                    StringComparer.OrdinalIgnoreCase),
            ReviewerPermissions = Permissions(permissions),
            LabelEvents = issueEventPages is null ? null : LabelEvents(issueEventPages),
        };
    }

    /// <summary>
    /// The changed files of <c>GET /repos/{owner}/{repo}/pulls/{number}/files</c> pages: <c>filename</c>, <c>status</c>,
    /// <c>previous_filename</c> and <c>patch</c> (absent when GitHub leaves it out: large or binary files).
    /// </summary>
    public static ImmutableArray<ChangedFileFact> ChangedFiles(IEnumerable<JsonElement> pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var files = ImmutableArray.CreateBuilder<ChangedFileFact>();
        foreach (var page in pages)
        {
            RequireKind(page, JsonValueKind.Array, "pull request files");
            foreach (var item in page.EnumerateArray())
            {
                RequireKind(item, JsonValueKind.Object, "pull request file");
                files.Add(new ChangedFileFact(
                    GetString(item, "filename", "pull request file"),
                    GetString(item, "status", "pull request file"),
                    OptionalString(item, "previous_filename"),
                    OptionalString(item, "patch")));
            }
        }

        return files.ToImmutable();
    }

    /// <summary>
    /// Repository permissions from <c>GET /repos/{owner}/{repo}/collaborators/{username}/permission</c> responses, by
    /// the login asked about. A response that is not about that login, or has no <c>permission</c> string, is left out:
    /// that reviewer's permission is unknown, and an unknown permission never lets an approval count.
    /// </summary>
    public static ImmutableDictionary<string, RepositoryAccess> Permissions(IReadOnlyDictionary<string, JsonElement>? responses)
    {
        var result = ImmutableDictionary.CreateBuilder<string, RepositoryAccess>(StringComparer.OrdinalIgnoreCase);
        foreach (var (login, response) in responses ?? new Dictionary<string, JsonElement>())
        {
            if (response.ValueKind == JsonValueKind.Object
                && OptionalString(response, "permission") is { Length: > 0 } permission
                && (!response.TryGetProperty("user", out var user) || user.ValueKind != JsonValueKind.Object
                    || string.Equals(OptionalString(user, "login"), login, StringComparison.OrdinalIgnoreCase)))
            {
                result[login] = new RepositoryAccess(permission, OptionalString(response, "role_name"));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>The <c>labeled</c> events of <c>GET /repos/{owner}/{repo}/issues/{number}/events</c> pages, oldest first.</summary>
    public static ImmutableArray<LabelEvent> LabelEvents(IEnumerable<JsonElement> pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        var events = new List<(LabelEvent Event, long Id)>();
        foreach (var page in pages)
        {
            RequireKind(page, JsonValueKind.Array, "issue events");
            foreach (var item in page.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || OptionalString(item, "event") != "labeled"
                    || !item.TryGetProperty("label", out var label) || label.ValueKind != JsonValueKind.Object
                    || OptionalString(label, "name") is not { } name)
                {
                    continue;
                }

                var text = OptionalString(item, "created_at");
                if (text is null || !DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
                {
                    throw new GitHubFactsException($"GitHub's `labeled` event for '{name}' has no created_at date, so FinGuard cannot tell when the label was added.");
                }

                var id = item.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt64(out var n) ? n : 0;
                events.Add((new LabelEvent(name, ParseUser(item, "actor"), at), id));
            }
        }

        return [.. events.OrderBy(e => e.Event.At).ThenBy(e => e.Id).Select(e => e.Event)];
    }

    private static readonly HashSet<string> HeadSettingActions = new(StringComparer.Ordinal) { "opened", "synchronize", "reopened" };

    /// <summary>
    /// The pusher a <c>pull_request</c> delivery names for <paramref name="headSha"/>: its <c>sender</c>, when its action
    /// sets the head (opened, synchronize, reopened) and its <c>pull_request.head.sha</c> is that head; otherwise null
    /// (a delivery about another head says nothing about this one).
    /// </summary>
    private static HeadPushFact? ParseHeadPush(HeadPushDelivery delivery, string headSha)
    {
        var body = delivery.Body;
        RequireKind(body, JsonValueKind.Object, $"head push ({delivery.Source})");
        var action = OptionalString(body, "action");
        var pushedHead = body.TryGetProperty("pull_request", out var pull) && pull.ValueKind == JsonValueKind.Object
            && pull.TryGetProperty("head", out var head) && head.ValueKind == JsonValueKind.Object
            ? OptionalString(head, "sha")
            : null;
        if (action is null || !HeadSettingActions.Contains(action) || !string.Equals(pushedHead, headSha, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return ParseUser(body, "sender") is { } sender ? new HeadPushFact(sender, action, delivery.Source) : null;
    }

    /// <summary>The commits of GitHub's commit list pages (or the <c>commits</c> of compare pages), in order.</summary>
    public static ImmutableArray<CommitFact> ParseCommits(IEnumerable<JsonElement> commitPages)
    {
        ArgumentNullException.ThrowIfNull(commitPages);
        var commits = ImmutableArray.CreateBuilder<CommitFact>();
        foreach (var page in commitPages)
        {
            RequireKind(page, JsonValueKind.Array, "commits");
            foreach (var item in page.EnumerateArray())
            {
                commits.Add(ParseCommit(item));
            }
        }

        return commits.ToImmutable();
    }

    /// <summary>
    /// <c>GET /repos/{owner}/{repo}/compare/{basehead}</c> responses by the <c>basehead</c> asked for. A response without a
    /// <c>status</c> string is left out (not read); one whose <c>files</c> is missing, malformed or 300 long is marked
    /// incomplete, since GitHub may have left files out.
    /// </summary>
    public static ImmutableDictionary<string, ComparisonFact> Comparisons(IReadOnlyDictionary<string, JsonElement> responses)
    {
        ArgumentNullException.ThrowIfNull(responses);
        var result = ImmutableDictionary.CreateBuilder<string, ComparisonFact>(StringComparer.Ordinal);
        foreach (var (basehead, response) in responses)
        {
            if (response.ValueKind != JsonValueKind.Object || OptionalString(response, "status") is not { Length: > 0 } status)
            {
                continue;
            }

            var files = ImmutableArray.CreateBuilder<ChangedFile>();
            var complete = response.TryGetProperty("files", out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() < Core.Controls.UpdateMerges.MaxCompareFiles;
            if (complete)
            {
                foreach (var file in list.EnumerateArray())
                {
                    if (file.ValueKind != JsonValueKind.Object || OptionalString(file, "filename") is not { } name || OptionalString(file, "status") is not { } fileStatus)
                    {
                        complete = false;
                        break;
                    }

                    files.Add(new ChangedFile(name, fileStatus, OptionalString(file, "sha"), OptionalString(file, "previous_filename")));
                }
            }

            result[basehead] = new ComparisonFact(status, complete ? files.ToImmutable() : [], complete);
        }

        return result.ToImmutable();
    }

    private static CommitFact ParseCommit(JsonElement item)
    {
        RequireKind(item, JsonValueKind.Object, "commit");
        var sha = GetString(item, "sha", "commit");
        var commit = GetObject(item, "commit", $"commit {sha}");
        var verification = commit.TryGetProperty("verification", out var v) && v.ValueKind == JsonValueKind.Object
            ? new CommitVerification(
                v.TryGetProperty("verified", out var verified) && verified.ValueKind == JsonValueKind.True,
                OptionalString(v, "reason") ?? "unknown",
                OptionalString(v, "signature") is { Length: > 0 },
                SignatureKindOf(OptionalString(v, "signature")))
            : new CommitVerification(false, "unknown", false); // no verification block: fail closed.

        commit.TryGetProperty("author", out var gitAuthor);
        commit.TryGetProperty("committer", out var gitCommitter);
        return new CommitFact
        {
            Sha = sha,
            Message = OptionalString(commit, "message") ?? "",
            AuthorName = gitAuthor.ValueKind == JsonValueKind.Object ? OptionalString(gitAuthor, "name") : null,
            AuthorEmail = gitAuthor.ValueKind == JsonValueKind.Object ? OptionalString(gitAuthor, "email") : null,
            Author = ParseUser(item, "author"),
            CommitterName = gitCommitter.ValueKind == JsonValueKind.Object ? OptionalString(gitCommitter, "name") : null,
            CommitterEmail = gitCommitter.ValueKind == JsonValueKind.Object ? OptionalString(gitCommitter, "email") : null,
            Committer = ParseUser(item, "committer"),
            Verification = verification,
            Parents = item.TryGetProperty("parents", out var parents) && parents.ValueKind == JsonValueKind.Array
                ? [.. parents.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.Object ? OptionalString(p, "sha") : null).OfType<string>()]
                : [],
        };
    }

    /// <summary>The signature kind from its ASCII armour: PGP, SSH, or S/MIME (PKCS#7 "SIGNED MESSAGE").</summary>
    internal static SignatureKind? SignatureKindOf(string? signature) => signature switch
    {
        null or "" => null,
        _ when signature.Contains("BEGIN PGP SIGNATURE", StringComparison.Ordinal) => SignatureKind.Gpg,
        _ when signature.Contains("BEGIN SSH SIGNATURE", StringComparison.Ordinal) => SignatureKind.Ssh,
        _ when signature.Contains("BEGIN SIGNED MESSAGE", StringComparison.Ordinal) || signature.Contains("BEGIN PKCS7", StringComparison.Ordinal) => SignatureKind.Smime,
        _ => null,
    };

    private static GitHubUser? ParseUser(JsonElement parent, string property)
    {
        if (!parent.TryGetProperty(property, out var user) || user.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var login = OptionalString(user, "login");
        if (login is null || !user.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var numericId))
        {
            return null;
        }

        var isBot = OptionalString(user, "type") == "Bot" || login.EndsWith("[bot]", StringComparison.Ordinal);
        return new GitHubUser(login, numericId, isBot);
    }

    private static void RequireKind(JsonElement element, JsonValueKind kind, string what)
    {
        if (element.ValueKind != kind)
        {
            throw new GitHubFactsException($"Expected the {what} response to be a JSON {kind.ToString().ToLowerInvariant()}, got {element.ValueKind.ToString().ToLowerInvariant()}.");
        }
    }

    private static JsonElement GetObject(JsonElement parent, string property, string what) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw new GitHubFactsException($"The {what} has no `{property}` object.");

    private static string GetString(JsonElement parent, string property, string what) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new GitHubFactsException($"The {what} has no `{property}` string.");

    /// <summary>A review's <c>submitted_at</c>; null when absent (a pending review), a facts error when it is not a date.</summary>
    private static DateTimeOffset? SubmittedAt(JsonElement review)
    {
        if (OptionalString(review, "submitted_at") is not { } text)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : throw new GitHubFactsException($"GitHub's review has submitted_at '{(text.Length > 40 ? text[..40] + "…" : text)}', which is not a date.");
    }

    private static long GetInt64(JsonElement parent, string property, string what) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new GitHubFactsException($"The {what} has no integer `{property}`.");

    private static string? OptionalString(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
