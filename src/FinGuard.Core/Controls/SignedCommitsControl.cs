using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;

namespace FinGuard.Core.Controls;

/// <summary>
/// <c>signed-commits</c>: every commit of the pull request carries a signature GitHub verified.
/// <para><b>Trigger</b>: <c>pull_request</c> opened, synchronize, reopened, ready_for_review; re-run requests.</para>
/// <para><b>Conditions</b>: each commit's <c>verification.verified</c> is true. A pull request with more commits
/// than GitHub's commits API lists (250) cannot be fully verified.</para>
/// <para><b>Outcome</b>: pass when all commits are verified; fail naming each unverified commit with GitHub's
/// <c>verification.reason</c> and how to fix it; error (fail closed) when commits are missing from the facts.</para>
/// </summary>
public sealed class SignedCommitsControl : IControl
{
    public const string ControlId = "signed-commits";

    public string Id => ControlId;

    public string Name => "Signed commits";

    public ControlResult Evaluate(EvaluationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pr = context.PullRequest;

        if (!context.Policy.SignedCommits.Enabled)
        {
            return new ControlResult { Id = Id, Name = Name, Status = ControlStatus.Skipped, Summary = "Disabled by policy." };
        }

        if (pr.ReportedCommitCount > FinGuardPolicy.GitHubCommitListLimit)
        {
            return new ControlResult
            {
                Id = Id,
                Name = Name,
                Status = ControlStatus.Error,
                Summary = $"This pull request has {pr.ReportedCommitCount} commits; GitHub lists at most {FinGuardPolicy.GitHubCommitListLimit}, so their signatures cannot all be verified.",
                HowToFix = $"Split the change into pull requests of at most {FinGuardPolicy.GitHubCommitListLimit} commits, or squash commits on the branch.",
            };
        }

        if (pr.Commits.Length < pr.ReportedCommitCount)
        {
            return new ControlResult
            {
                Id = Id,
                Name = Name,
                Status = ControlStatus.Error,
                Summary = $"GitHub reported {pr.ReportedCommitCount} commits but listed only {pr.Commits.Length}; FinGuard will not pass commits it has not seen.",
                HowToFix = "Re-run FinGuard. If this persists, push again to refresh the pull request.",
            };
        }

        var details = pr.Commits
            .Select(c => c.Verification.Verified
                ? new ResultDetail(c.ShortSha, true, $"Verified signature ({c.Verification.Reason}) — {c.Headline}")
                : new ResultDetail(c.ShortSha, false, $"Not verified: `{c.Verification.Reason}` — {Explain(c.Verification.Reason)} ({c.Headline})"))
            .ToImmutableArray();

        var unverified = details.Count(d => !d.Ok);
        if (unverified == 0)
        {
            return new ControlResult
            {
                Id = Id,
                Name = Name,
                Status = ControlStatus.Pass,
                Summary = pr.Commits.Length == 1 ? "The commit has a verified signature." : $"All {pr.Commits.Length} commits have verified signatures.",
                Details = details,
            };
        }

        var fixes = pr.Commits.Where(c => !c.Verification.Verified)
            .Select(c => c.Verification.Reason).Distinct(StringComparer.Ordinal)
            .Select(r => $"`{r}`: {HowToFix(r)}");

        return new ControlResult
        {
            Id = Id,
            Name = Name,
            Status = ControlStatus.Fail,
            Summary = $"{unverified} of {pr.Commits.Length} commits {(unverified == 1 ? "is" : "are")} not signed with a verified signature.",
            Details = details,
            HowToFix = string.Join('\n', fixes) + "\nThen rewrite the unverified commits so they are signed (for example `git rebase --exec 'git commit --amend --no-edit -S' <base>`) and force-push.",
        };
    }

    /// <summary>What GitHub's <c>verification.reason</c> means; unknown values are treated as unverified.</summary>
    internal static string Explain(string reason) => reason switch
    {
        "unsigned" => "the commit has no signature",
        "unknown_key" => "the signing key is not registered on any GitHub account",
        "no_user" => "no GitHub user is associated with the committer email",
        "unverified_email" => "the committer email is not verified on the signer's GitHub account",
        "bad_email" => "the committer email is invalid",
        "expired_key" => "the signing key has expired",
        "not_signing_key" => "the GPG key is not a signing key",
        "malformed_signature" => "the signature could not be parsed",
        "invalid" => "the signature does not match the commit",
        "unknown_signature_type" => "the signature type is not recognised",
        "gpgverify_error" or "gpgverify_unavailable" => "GitHub's signature verification service failed",
        "bad_cert" => "the S/MIME certificate is invalid",
        "ocsp_pending" or "ocsp_error" => "the certificate's revocation status could not be checked",
        "ocsp_revoked" => "the signing certificate has been revoked",
        _ => "GitHub did not verify the signature",
    };

    internal static string HowToFix(string reason) => reason switch
    {
        "unsigned" => "configure commit signing (`git config --global commit.gpgsign true` with a GPG or SSH signing key) and add the key to your GitHub account as a signing key.",
        "unknown_key" => "add the public key to your GitHub account under Settings → SSH and GPG keys (as a *signing* key).",
        "no_user" or "unverified_email" or "bad_email" => "commit with an email address that is verified on your GitHub account (`git config user.email`).",
        "expired_key" => "extend the key's expiry or create a new signing key, upload it to GitHub and re-sign.",
        "not_signing_key" => "use a key (or subkey) with signing capability.",
        "gpgverify_error" or "gpgverify_unavailable" or "ocsp_pending" or "ocsp_error" => "a transient GitHub problem: re-run FinGuard in a few minutes.",
        "ocsp_revoked" or "bad_cert" => "obtain a valid certificate and re-sign.",
        _ => "re-sign the commit with a key registered on your GitHub account.",
    };
}
