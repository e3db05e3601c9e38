using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Tests.Controls;

/// <summary>The people of the test snapshots. <see cref="Dev"/> opens the pull request and writes its commits by default.</summary>
internal static class People
{
    public static readonly GitHubUser Dev = new("dev", 10, false);
    public static readonly GitHubUser Alice = new("alice", 21, false);
    public static readonly GitHubUser Bob = new("bob", 22, false);
    public static readonly GitHubUser Carol = new("carol", 23, false);
    public static readonly GitHubUser Erin = new("erin", 24, false);
    public static readonly GitHubUser Frank = new("frank", 25, false);
    public static readonly GitHubUser Mallory = new("mallory", 26, false);
    public static readonly GitHubUser Dependabot = new("dependabot[bot]", 49_699_333, true);
    public static readonly GitHubUser WebFlow = new("web-flow", 19_864_447, false);

    public static string EmailOf(GitHubUser user) => $"{user.Login}@example.com";
}

/// <summary>
/// Hand-written builder for pull request snapshots (no mocks). Commit SHAs are <c>01aaaaa…</c>, <c>02aaaaa…</c> in the
/// order added; the last commit is the head. Reviews are submitted a minute apart in the order added, on the head unless
/// told otherwise.
/// </summary>
internal sealed class SnapshotBuilder
{
    public static readonly DateTimeOffset ReviewsStart = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    private readonly List<CommitFact> commits = [];
    private readonly List<PlannedReview> reviews = [];
    private readonly Dictionary<string, ImmutableHashSet<string>> teams = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> labels = [];
    private readonly Dictionary<string, RepositoryAccess?> permissions = new(StringComparer.OrdinalIgnoreCase);
    private List<LabelEvent>? labelEvents = [];
    private GitHubUser author = People.Dev;
    private string baseRef = "main";
    private string? defaultBranch = "main";
    private int? reportedCount;
    private List<GitHubUser>? pushers = [People.Dev];

    /// <summary>The full SHA of the <paramref name="number"/>th commit (1-based).</summary>
    public static string Sha(int number)
    {
        // Past 255, four digits and a 'b' keep the short SHAs distinct from each other and from 01aaaaa…ffaaaaa.
        var hex = number <= 255
            ? number.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)
            : number.ToString("x4", System.Globalization.CultureInfo.InvariantCulture) + "b";
        return hex + new string('a', 40 - hex.Length);
    }

    /// <summary>The short SHA of the <paramref name="number"/>th commit (1-based), as messages show it.</summary>
    public static string Short(int number) => Sha(number)[..7];

    /// <summary>A commit by <see cref="People.Dev"/> (author and committer), signed as told.</summary>
    public SnapshotBuilder Commit(
        bool verified,
        string reason = "valid",
        string message = "Change things",
        SignatureKind? kind = null,
        GitHubUser? committer = null,
        Func<CommitFact, CommitFact>? customise = null)
    {
        var number = commits.Count + 1;
        var by = committer ?? People.Dev;
        var commit = new CommitFact
        {
            Sha = Sha(number),
            Message = message,
            AuthorName = "Dev Eloper",
            AuthorEmail = People.EmailOf(People.Dev),
            Author = People.Dev,
            CommitterName = by.Login,
            CommitterEmail = by == People.WebFlow ? "noreply@github.com" : People.EmailOf(by),
            Committer = by,
            Verification = new CommitVerification(
                verified,
                verified ? "valid" : reason,
                reason != "unsigned",
                kind ?? (verified ? SignatureKind.Gpg : null)),
        };
        commits.Add(customise is null ? commit : customise(commit));
        return this;
    }

    public SnapshotBuilder Commits(int count, bool verified)
    {
        for (var i = 0; i < count; i++)
        {
            Commit(verified, verified ? "valid" : "unsigned");
        }

        return this;
    }

    /// <summary>
    /// A verified commit by <paramref name="author"/> (null: GitHub could not map <paramref name="authorEmail"/>).
    /// The committer is the author unless given; a null <paramref name="committer"/> with a
    /// <paramref name="committerEmail"/> is a committer GitHub could not map.
    /// </summary>
    public SnapshotBuilder CommitBy(
        GitHubUser? author,
        string? authorEmail = null,
        GitHubUser? committer = null,
        string? committerEmail = null,
        string message = "Change things",
        string? authorName = null)
    {
        var email = authorEmail ?? (author is null ? throw new ArgumentException("An unmapped author needs an email.", nameof(authorEmail)) : People.EmailOf(author));
        var unmappedCommitter = committer is null && committerEmail is not null;
        return Commit(true, message: message, customise: c => c with
        {
            AuthorName = authorName ?? author?.Login ?? "Unknown",
            AuthorEmail = email,
            Author = author,
            CommitterName = committer?.Login ?? (unmappedCommitter ? "Someone" : authorName ?? author?.Login),
            CommitterEmail = committerEmail ?? (committer is null ? email : committer == People.WebFlow ? "noreply@github.com" : People.EmailOf(committer)),
            Committer = unmappedCommitter ? null : committer ?? author,
        });
    }

    public SnapshotBuilder ReportedCount(int count)
    {
        reportedCount = count;
        return this;
    }

    /// <summary>A review by <paramref name="user"/>; on the head unless <paramref name="onCommit"/> (1-based) says otherwise.</summary>
    public SnapshotBuilder Review(GitHubUser user, string state, int? onCommit = null, DateTimeOffset? at = null, long? id = null)
    {
        reviews.Add(new PlannedReview(user, state, onCommit, at ?? ReviewsStart.AddMinutes(reviews.Count), id ?? 1000 + reviews.Count));
        return this;
    }

    public SnapshotBuilder Approve(params GitHubUser[] users)
    {
        foreach (var user in users)
        {
            Review(user, "APPROVED");
        }

        return this;
    }

    public SnapshotBuilder Team(string team, params string[] logins)
    {
        teams[team] = logins.ToImmutableHashSet(StringComparer.OrdinalIgnoreCase);
        return this;
    }

    /// <summary>A label on the pull request, added by its author an hour before the first review (its <c>labeled</c> event).</summary>
    public SnapshotBuilder Label(string label)
    {
        labels.Add(label);
        labelEvents?.Add(new LabelEvent(label, author, ReviewsStart.AddHours(-1)));
        return this;
    }

    /// <summary>Replaces the <c>labeled</c> events of <paramref name="label"/> with one by <paramref name="by"/> at <paramref name="at"/>.</summary>
    public SnapshotBuilder LabelAdded(string label, GitHubUser? by, DateTimeOffset at)
    {
        labelEvents ??= [];
        labelEvents.RemoveAll(e => e.Label == label);
        labelEvents.Add(new LabelEvent(label, by, at));
        return this;
    }

    /// <summary>Drops the <c>labeled</c> events of <paramref name="label"/> (GitHub listed none).</summary>
    public SnapshotBuilder NoLabelEventsFor(string label)
    {
        labelEvents?.RemoveAll(e => e.Label == label);
        return this;
    }

    /// <summary>The pull request's events were not loaded (<see cref="PullRequestSnapshot.LabelEvents"/> null).</summary>
    public SnapshotBuilder NoLabelEvents()
    {
        labelEvents = null;
        return this;
    }

    /// <summary>
    /// <paramref name="user"/>'s permission on the repository as GitHub reports it; null: FinGuard could not read it.
    /// Every reviewer not named here has <c>write</c>.
    /// </summary>
    public SnapshotBuilder Permission(GitHubUser user, string? permission, string? roleName = null)
    {
        permissions[user.Login] = permission is null ? null : new RepositoryAccess(permission, roleName ?? permission);
        return this;
    }

    /// <summary>Who pushed the head (by default <see cref="People.Dev"/>, who opened the pull request); none: FinGuard never received the delivery.</summary>
    public SnapshotBuilder PushedBy(params GitHubUser[] users)
    {
        pushers = [.. users];
        return this;
    }

    public SnapshotBuilder OpenedBy(GitHubUser user)
    {
        author = user;
        return this;
    }

    public SnapshotBuilder Base(string branch, string? defaultBranchName = "main")
    {
        baseRef = branch;
        defaultBranch = defaultBranchName;
        return this;
    }

    public PullRequestSnapshot Build()
    {
        var head = commits.Count > 0 ? commits[^1].Sha : new string('0', 40);
        return new PullRequestSnapshot
        {
            Repository = "octo/payments",
            Number = 7,
            HeadSha = head,
            BaseRef = baseRef,
            DefaultBranch = defaultBranch,
            Author = author,
            ReportedCommitCount = reportedCount ?? commits.Count,
            Commits = [.. commits],
            Reviews = [.. reviews.Select(r => new ReviewFact(r.Id, r.User, r.State, r.OnCommit is { } n ? Sha(n) : head, r.At))],
            TeamMembers = teams.ToImmutableDictionary(StringComparer.OrdinalIgnoreCase),
            Labels = [.. labels],
            LabelEvents = labelEvents is null ? null : [.. labelEvents.OrderBy(e => e.At)],
            ReviewerPermissions = reviews.Select(r => r.User.Login).Concat(permissions.Keys).Distinct(StringComparer.OrdinalIgnoreCase)
                .Select(login => (login, access: permissions.TryGetValue(login, out var set) ? set : new RepositoryAccess("write", "write")))
                .Where(p => p.access is not null)
                .ToImmutableDictionary(p => p.login, p => p.access!, StringComparer.OrdinalIgnoreCase),
            HeadPushes = [.. (pushers ?? []).Select((u, i) => new HeadPushFact(u, "synchronize", $"webhook pull_request.synchronize delivery d-{i + 1}"))],
        };
    }

    private sealed record PlannedReview(GitHubUser User, string State, int? OnCommit, DateTimeOffset At, long Id);
}
