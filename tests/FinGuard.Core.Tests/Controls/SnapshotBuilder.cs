using System.Collections.Immutable;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Tests.Controls;

/// <summary>Hand-written builder for pull request snapshots (no mocks).</summary>
internal sealed class SnapshotBuilder
{
    private readonly List<CommitFact> commits = [];
    private int? reportedCount;
    private int counter;

    public SnapshotBuilder Commit(bool verified, string reason = "valid", string message = "Change things")
    {
        counter++;
        commits.Add(new CommitFact
        {
            Sha = $"{counter:x2}{new string('a', 38)}",
            Message = message,
            AuthorEmail = "dev@example.com",
            Author = new GitHubUser("dev", 10, false),
            Verification = new CommitVerification(verified, verified ? "valid" : reason, reason != "unsigned"),
        });
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

    public SnapshotBuilder ReportedCount(int count)
    {
        reportedCount = count;
        return this;
    }

    public PullRequestSnapshot Build() => new()
    {
        Repository = "octo/payments",
        Number = 7,
        HeadSha = commits.Count > 0 ? commits[^1].Sha : new string('0', 40),
        BaseRef = "main",
        Author = new GitHubUser("dev", 10, false),
        ReportedCommitCount = reportedCount ?? commits.Count,
        Commits = [.. commits],
        Reviews = ImmutableArray<ReviewFact>.Empty,
    };
}
