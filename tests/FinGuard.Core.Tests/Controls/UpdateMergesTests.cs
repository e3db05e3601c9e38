using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Policy.Yaml;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;
using static FinGuard.Core.Tests.Controls.People;

namespace FinGuard.Core.Tests.Controls;

/// <summary>
/// <c>ignore-update-merges</c>: commit 1 is the author's, approved by Alice and Bob; commit 2 is GitHub's "Update
/// branch" merge of <c>main</c> (<see cref="BaseTip"/>) into it, which brought in <c>README.md</c> only.
/// </summary>
public sealed class UpdateMergesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private const string BaseTip = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";

    private static readonly ChangedFile Readme = new("README.md", "modified", "1111111111111111111111111111111111111111", null);

    private static readonly SeparationOfDutiesPolicy On = new() { IgnoreUpdateMerges = true };

    private static string One => SnapshotBuilder.Sha(1);

    private static string Two => SnapshotBuilder.Sha(2);

    /// <summary>The update merge as GitHub makes it; <paramref name="change"/> alters it.</summary>
    private static SnapshotBuilder Updated(Func<CommitFact, CommitFact>? change = null) => new SnapshotBuilder()
        .Commit(true)
        .Commit(true, message: "Merge branch 'main' into feature", committer: WebFlow, customise: c =>
        {
            var merge = c with { Parents = [One, BaseTip] };
            return change is null ? merge : change(merge);
        })
        .Review(Alice, "APPROVED", onCommit: 1)
        .Review(Bob, "APPROVED", onCommit: 1);

    /// <summary>GitHub's three answers about the merge: the base tip is on main, and both sides list <paramref name="added"/> / <paramref name="fromBase"/>.</summary>
    private static ImmutableDictionary<string, ComparisonFact> Answers(
        string onBaseStatus = "behind", ImmutableArray<ChangedFile>? added = null, ImmutableArray<ChangedFile>? fromBase = null, bool complete = true) =>
        new Dictionary<string, ComparisonFact>
        {
            [UpdateMerges.OnBase("main", BaseTip)] = new(onBaseStatus, [], true),
            [UpdateMerges.Between(One, Two)] = new("ahead", added ?? [Readme], complete),
            [UpdateMerges.Between(One, BaseTip)] = new("diverged", fromBase ?? [Readme], true),
        }.ToImmutableDictionary(StringComparer.Ordinal);

    private static ControlResult Evaluate(PullRequestSnapshot snapshot, SeparationOfDutiesPolicy policy) =>
        new SeparationOfDutiesControl().Evaluate(new EvaluationContext(snapshot, FinGuardPolicy.Default with { SeparationOfDuties = policy }, At));

    [Fact]
    public void Approvals_of_the_branch_before_GitHubs_update_merge_still_count_with_the_setting_on()
    {
        var result = Evaluate(Updated().Build() with { Comparisons = Answers() }, On);

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal(
            $"approved {SnapshotBuilder.Short(1)}; since then only GitHub's update merge {SnapshotBuilder.Short(2)} of main (ignore-update-merges) — counts",
            Assert.Single(result.Details, d => d.Subject == "alice").Message);
    }

    [Fact]
    public void Without_the_setting_the_same_approvals_are_stale_as_before()
    {
        var result = Evaluate(Updated().Build() with { Comparisons = Answers() }, new SeparationOfDutiesPolicy());

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Contains("ask them to re-approve", Assert.Single(result.Details, d => d.Subject == "alice").Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, Func<PullRequestSnapshot, PullRequestSnapshot>> NotCarriedOver => new()
    {
        {
            "02aaaaa is a merge GitHub did not make (committer dev, not web-flow)",
            s => s with { Commits = [s.Commits[0], s.Commits[1] with { Committer = Dev, CommitterName = "dev" }] }
        },
        {
            "02aaaaa is not signed by GitHub (verification: unsigned)",
            s => s with { Commits = [s.Commits[0], s.Commits[1] with { Verification = new CommitVerification(false, "unsigned", false) }] }
        },
        {
            "02aaaaa changes `src/Payments.cs` differently from main (the pull request changes it too, or the merge added something)",
            s => s with { Comparisons = Answers(added: [Readme, new ChangedFile("src/Payments.cs", "modified", "2222222222222222222222222222222222222222", null)]) }
        },
        {
            "02aaaaa changes `README.md` differently from main (the pull request changes it too, or the merge added something)",
            s => s with { Comparisons = Answers(added: [Readme with { BlobSha = "3333333333333333333333333333333333333333" }]) }
        },
        {
            "02aaaaa leaves out main's change to `README.md`",
            s => s with { Comparisons = Answers(added: []) }
        },
        {
            "02aaaaa merges b0b0b0b, which is not a commit of main (GitHub compares it as diverged)",
            s => s with { Comparisons = Answers(onBaseStatus: "diverged") }
        },
        {
            "GitHub lists 300 files or more for 02aaaaa (or no file list), so FinGuard cannot check that it brings only main's changes",
            s => s with { Comparisons = Answers(complete: false) }
        },
        {
            "FinGuard did not read whether 02aaaaa's second parent b0b0b0b is a commit of main",
            s => s with { Comparisons = ImmutableDictionary<string, ComparisonFact>.Empty }
        },
        {
            "02aaaaa merges 3 parents, not the base branch alone",
            s => s with { Commits = [s.Commits[0], s.Commits[1] with { Parents = [One, BaseTip, "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0"] }] }
        },
    };

    [Theory]
    [MemberData(nameof(NotCarriedOver))]
    public void Anything_but_a_clean_GitHub_update_merge_makes_the_approvals_stale_saying_why(string reason, Func<PullRequestSnapshot, PullRequestSnapshot> change)
    {
        var snapshot = change(Updated().Build() with { Comparisons = Answers() });

        var result = Evaluate(snapshot, On);

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Equal(
            $"approved {SnapshotBuilder.Short(1)}, not the current head {SnapshotBuilder.Short(2)} — ask them to re-approve (not carried over: {reason})",
            Assert.Single(result.Details, d => d.Subject == "alice").Message);
    }

    [Fact]
    public void A_commit_of_the_author_between_the_approval_and_the_update_merge_makes_the_approval_stale()
    {
        var snapshot = new SnapshotBuilder()
            .Commit(true)
            .Commit(true)
            .Commit(true, committer: WebFlow, customise: c => c with { Parents = [Two, BaseTip] })
            .Review(Alice, "APPROVED", onCommit: 1)
            .Build();
        snapshot = snapshot with
        {
            Comparisons = new Dictionary<string, ComparisonFact>
            {
                [UpdateMerges.OnBase("main", BaseTip)] = new("behind", [], true),
                [UpdateMerges.Between(Two, SnapshotBuilder.Sha(3))] = new("ahead", [Readme], true),
                [UpdateMerges.Between(Two, BaseTip)] = new("diverged", [Readme], true),
            }.ToImmutableDictionary(StringComparer.Ordinal),
        };

        var judgement = UpdateMerges.Judge(snapshot, One);

        Assert.False(judgement.Kept);
        Assert.Equal<string>(["03aaaaa"], judgement.Merges);
        Assert.Equal("02aaaaa is not a merge (a commit with its own changes came after the approval)", judgement.Reason);
    }

    [Fact]
    public void The_comparisons_to_read_are_three_per_update_merge_from_the_head_with_the_branch_name_encoded()
    {
        var commits = Updated().Build().Commits;

        Assert.Equal(
            [$"release%2F2026...{BaseTip}", $"{One}...{Two}", $"{One}...{BaseTip}"],
            UpdateMerges.ComparisonsToRead(Two, "release/2026", commits));
        Assert.Empty(UpdateMerges.ComparisonsToRead(One, "main", commits));
    }

    [Fact]
    public void Under_an_enforced_organisation_section_a_repository_cannot_turn_it_on()
    {
        var organisation = PolicyFileParser.Parse("version: 1\nseparation-of-duties:\n  enforced: true\n", PolicyFileKind.Organisation);
        var repository = PolicyFileParser.Parse("version: 1\nseparation-of-duties:\n  ignore-update-merges: true\n", PolicyFileKind.Repository);

        var resolution = PolicyResolver.Resolve(organisation.Document, repository.Document);

        Assert.False(resolution.Policy.SeparationOfDuties.IgnoreUpdateMerges);
        Assert.Contains(resolution.Problems, p => p.ToString().Contains("ignore-update-merges", StringComparison.Ordinal));
        Assert.True(PolicyResolver.Resolve(null, repository.Document).Policy.SeparationOfDuties.IgnoreUpdateMerges);
    }
}
