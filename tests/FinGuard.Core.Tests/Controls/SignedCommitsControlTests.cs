using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using static FinGuard.Core.Tests.Controls.People;

namespace FinGuard.Core.Tests.Controls;

public sealed class SignedCommitsControlTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static ControlResult Evaluate(SnapshotBuilder builder, FinGuardPolicy? policy = null) =>
        new SignedCommitsControl().Evaluate(new EvaluationContext(builder.Build(), policy ?? FinGuardPolicy.Default, At));

    [Fact]
    public void All_commits_verified_passes_and_lists_each_commit()
    {
        var result = Evaluate(new SnapshotBuilder().Commits(3, verified: true));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("All 3 commits have verified signatures.", result.Summary);
        Assert.Equal<ResultDetail>(
            [
                new ResultDetail("01aaaaa", true, "Verified gpg signature by `dev` — Change things"),
                new ResultDetail("02aaaaa", true, "Verified gpg signature by `dev` — Change things"),
                new ResultDetail("03aaaaa", true, "Verified gpg signature by `dev` — Change things"),
            ],
            result.Details);
        Assert.Null(result.HowToFix);
        Assert.Empty(result.Reasons);
    }

    [Theory]
    [InlineData("unsigned", "the commit has no signature", "commit.gpgsign")]
    [InlineData("unknown_key", "not registered on any GitHub account", "signing* key")]
    [InlineData("unverified_email", "not verified on the signer's GitHub account", "git config user.email")]
    [InlineData("expired_key", "has expired", "extend the key's expiry")]
    [InlineData("gpgverify_unavailable", "verification service failed", "re-run FinGuard")]
    [InlineData("some_future_reason", "GitHub did not verify the signature", "re-sign the commit")]
    public void An_unverified_commit_fails_with_its_reason_and_a_fix(string reason, string explanation, string fix)
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true).Commit(false, reason, "Add ledger export"));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("1 of 2 commits is not signed with a verified signature.", result.Summary);
        var failing = Assert.Single(result.Details, d => !d.Ok);
        Assert.Contains($"`{reason}`", failing.Message, StringComparison.Ordinal);
        Assert.Contains(explanation, failing.Message, StringComparison.Ordinal);
        Assert.Contains("Add ledger export", failing.Message, StringComparison.Ordinal);
        Assert.Contains(fix, result.HowToFix, StringComparison.Ordinal);
        Assert.Single(result.Reasons);
    }

    [Fact]
    public void Verified_false_fails_even_when_reason_claims_valid()
    {
        var builder = new SnapshotBuilder().Commit(false, "valid");

        var result = Evaluate(builder);

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Not verified: `valid` — GitHub did not verify the signature (Change things)", Assert.Single(result.Details).Message);
    }

    [Fact]
    public void More_than_3000_commits_fails_closed_with_explicit_message()
    {
        var result = Evaluate(new SnapshotBuilder().ReportedCount(3001));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Equal("This pull request has 3001 commits; FinGuard reads at most 3000, so their signatures cannot all be verified.", result.Summary);
        Assert.Equal("Split the change into pull requests of at most 3000 commits, or squash commits on the branch.", result.HowToFix);
    }

    [Fact]
    public void Three_thousand_verified_commits_pass()
    {
        var result = Evaluate(new SnapshotBuilder().Commits(3000, verified: true));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("All 3000 commits have verified signatures.", result.Summary);
    }

    [Fact]
    public void Exactly_250_verified_commits_pass()
    {
        var result = Evaluate(new SnapshotBuilder().Commits(250, verified: true));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("All 250 commits have verified signatures.", result.Summary);
    }

    [Fact]
    public void Fewer_listed_commits_than_reported_fails_closed()
    {
        var result = Evaluate(new SnapshotBuilder().Commits(2, verified: true).ReportedCount(3));

        Assert.Equal(ControlStatus.Error, result.Status);
        Assert.Contains("reported 3 commits but listed only 2", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Disabled_by_policy_is_skipped()
    {
        var policy = FinGuardPolicy.Default with { SignedCommits = new SignedCommitsPolicy { Enabled = false } };

        var result = Evaluate(new SnapshotBuilder().Commit(false, "unsigned"), policy);

        Assert.Equal(ControlStatus.Skipped, result.Status);
        Assert.Equal("Disabled by policy.", result.Summary);
    }

    private static FinGuardPolicy Signing(SignedCommitsPolicy signing) => FinGuardPolicy.Default with { SignedCommits = signing };

    [Theory]
    [InlineData(SignatureKind.Ssh, new[] { SignatureKind.Gpg }, "Signed with ssh, but this repository allows only gpg — Add ledger export", "`ssh` signatures are not accepted: sign with a gpg key (`git config gpg.format openpgp`)")]
    [InlineData(SignatureKind.Gpg, new[] { SignatureKind.Ssh }, "Signed with gpg, but this repository allows only ssh — Add ledger export", "`gpg` signatures are not accepted: sign with an ssh key (`git config gpg.format ssh`)")]
    [InlineData(SignatureKind.Ssh, new[] { SignatureKind.Gpg, SignatureKind.Smime }, "Signed with ssh, but this repository allows only gpg or smime — Add ledger export", "sign with a gpg or smime key (`git config gpg.format openpgp`)")]
    [InlineData(SignatureKind.Smime, new SignatureKind[0], "Signed with smime, but this repository allows no signature kind — Add ledger export", "This policy allows no signature kind")]
    public void A_verified_signature_of_a_kind_not_allowed_fails(SignatureKind kind, SignatureKind[] allowed, string message, string fix)
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true, message: "Add ledger export", kind: kind),
            Signing(new SignedCommitsPolicy { AllowedKinds = [.. allowed] }));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("1 of 1 commits is signed in a way this policy does not accept.", result.Summary);
        Assert.Equal(new ResultDetail("01aaaaa", false, message), Assert.Single(result.Details));
        Assert.Contains(fix, result.HowToFix, StringComparison.Ordinal);
        Assert.EndsWith("Then rewrite the failing commits so they are signed as required (for example `git rebase --exec 'git commit --amend --no-edit -S' <base>`) and force-push.", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void A_verified_signature_of_an_allowed_kind_passes_and_shows_its_kind()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true, kind: SignatureKind.Ssh).Commit(true, kind: SignatureKind.Smime),
            Signing(new SignedCommitsPolicy { AllowedKinds = [SignatureKind.Ssh, SignatureKind.Smime] }));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal<ResultDetail>(
            [
                new ResultDetail("01aaaaa", true, "Verified ssh signature by `dev` — Change things"),
                new ResultDetail("02aaaaa", true, "Verified smime signature by `dev` — Change things"),
            ],
            result.Details);
    }

    [Fact]
    public void A_verified_signature_of_unrecognised_kind_passes_only_when_every_kind_is_allowed()
    {
        var builder = new SnapshotBuilder().Commit(true, customise: c => c with { Verification = c.Verification with { Kind = null } });

        var open = Evaluate(builder);
        var restricted = Evaluate(builder, Signing(new SignedCommitsPolicy { AllowedKinds = [SignatureKind.Gpg, SignatureKind.Ssh] }));

        Assert.Equal(ControlStatus.Pass, open.Status);
        Assert.Equal("Verified signature by `dev` — Change things", Assert.Single(open.Details).Message);
        Assert.Equal(ControlStatus.Fail, restricted.Status);
        Assert.Equal("Signed with a signature kind FinGuard does not recognise, but this repository allows only gpg or ssh — Change things", Assert.Single(restricted.Details).Message);
    }

    [Fact]
    public void Web_flow_commit_counts_when_allowed()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(true, message: "Update README.md", committer: WebFlow));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("Verified signature by GitHub (`web-flow`, a commit made on github.com), allowed by this policy — Update README.md", Assert.Single(result.Details).Message);
    }

    [Fact]
    public void Web_flow_commit_fails_when_not_allowed()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true).Commit(true, message: "Update README.md", committer: WebFlow),
            Signing(new SignedCommitsPolicy { AllowWebFlow = false }));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("1 of 2 commits is signed in a way this policy does not accept.", result.Summary);
        Assert.Equal(
            new ResultDetail("02aaaaa", false, "Signed by GitHub (`web-flow`, a commit made on github.com), but this repository does not accept GitHub's signature — Update README.md"),
            result.Details[1]);
        Assert.StartsWith("Commits made on github.com (web edits, \"Update branch\", suggestions) are signed by GitHub", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_web_flow_is_not_subject_to_kind_or_signer_restrictions()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true, committer: WebFlow, kind: SignatureKind.Gpg),
            Signing(new SignedCommitsPolicy { AllowedKinds = [SignatureKind.Ssh], AllowedSigners = ["alice"] }));

        Assert.Equal(ControlStatus.Pass, result.Status);
    }

    [Fact]
    public void Unverified_web_flow_commit_is_unverified()
    {
        var result = Evaluate(new SnapshotBuilder().Commit(false, "unknown_key", committer: WebFlow));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("1 of 1 commits is not signed with a verified signature.", result.Summary);
        Assert.StartsWith("Not verified: `unknown_key`", Assert.Single(result.Details).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_signers_accept_listed_committers_case_insensitively()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true, committer: Alice).Commit(true, committer: Bob),
            Signing(new SignedCommitsPolicy { AllowedSigners = ["ALICE", "bob"] }));

        Assert.Equal(ControlStatus.Pass, result.Status);
        Assert.Equal("Verified gpg signature by `alice` — Change things", result.Details[0].Message);
    }

    [Fact]
    public void Allowed_signers_reject_other_committers()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true, committer: Alice).Commit(true, message: "Tweak limits", committer: Mallory),
            Signing(new SignedCommitsPolicy { AllowedSigners = ["alice", "bob"] }));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("1 of 2 commits is signed in a way this policy does not accept.", result.Summary);
        Assert.Equal(new ResultDetail("02aaaaa", false, "Signed by `mallory`, who is not an allowed signer (alice, bob) — Tweak limits"), result.Details[1]);
        Assert.Contains("Only these accounts may sign commits here: alice, bob.", result.HowToFix, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_signers_reject_a_committer_without_a_github_account()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true, customise: c => c with { Committer = null, CommitterEmail = "ci@corp.example" }),
            Signing(new SignedCommitsPolicy { AllowedSigners = ["alice"] }));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("Signed by a committer without a GitHub account (ci@corp.example), who is not an allowed signer (alice) — Change things", Assert.Single(result.Details).Message);
    }

    [Fact]
    public void Unverified_and_rejected_commits_are_counted_separately_and_each_shows_its_reason()
    {
        var result = Evaluate(
            new SnapshotBuilder()
                .Commit(false, "unsigned", "First")
                .Commit(true, message: "Second", kind: SignatureKind.Ssh)
                .Commit(true, message: "Third"),
            Signing(new SignedCommitsPolicy { AllowedKinds = [SignatureKind.Gpg] }));

        Assert.Equal(ControlStatus.Fail, result.Status);
        Assert.Equal("2 of 3 commits do not meet the signing policy: 1 not signed with a verified signature, 1 signed in a way this policy does not accept.", result.Summary);
        Assert.Equal<ResultDetail>(
            [
                new ResultDetail("01aaaaa", false, "Not verified: `unsigned` — the commit has no signature (First)"),
                new ResultDetail("02aaaaa", false, "Signed with ssh, but this repository allows only gpg — Second"),
                new ResultDetail("03aaaaa", true, "Verified gpg signature by `dev` — Third"),
            ],
            result.Details);
        Assert.Contains("commit.gpgsign", result.HowToFix, StringComparison.Ordinal);
        Assert.Contains("`ssh` signatures are not accepted", result.HowToFix, StringComparison.Ordinal);
        Assert.Equal(2, result.Reasons.Length);
    }

    [Fact]
    public void Default_policy_arrays_do_not_crash()
    {
        var result = Evaluate(
            new SnapshotBuilder().Commit(true),
            Signing(new SignedCommitsPolicy { AllowedKinds = default, AllowedSigners = default }));

        Assert.Equal(ControlStatus.Pass, result.Status);
    }
}
