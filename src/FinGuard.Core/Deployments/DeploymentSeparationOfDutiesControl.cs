using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Deployments;

/// <summary>
/// <c>deployment-separation-of-duties</c>: whoever deploys a change did not write it, and enough people who did neither
/// approved the deployment. GitHub lets one required reviewer approve an environment; this control asks for
/// <c>required-approvals</c> distinct ones (2 by default).
/// <para><b>Trigger</b>: <c>deployment_protection_rule</c> requested; <c>deployment_review</c> approved, rejected
/// (an environment review arrived: decide again).</para>
/// <para><b>Conditions</b>:
/// <list type="bullet">
/// <item>The writers of the change are the authors of the pull request(s) that establish the chain of custody, every
/// GitHub account that authored or committed one of their commits (GitHub's <c>web-flow</c> committer excepted), and
/// every <c>Co-authored-by</c> identity (matched as <see cref="SeparationOfDutiesControl"/> does).</item>
/// <item>The deployers are the webhook's sender and the workflow run's triggering actor and actor. No deployer who is
/// a person (not a bot) may be a writer.</item>
/// <item>An environment review counts when it is an approval for this environment by someone who may approve under
/// <see cref="ApproverEligibility"/>: not a deployer, not a writer, not a bot, not one of the policy's excluded
/// approvers, and — with <c>separation-of-duties.require-write-access</c> (the default) — with write, maintain or admin
/// access to the repository (<see cref="DeploymentSnapshot.ReviewerPermissions"/>; unknown does not count). Distinct
/// accounts are counted once. A rejection by someone who is not a deployer, writer, bot or excluded approver blocks.</item>
/// </list></para>
/// <para><b>Outcome</b>: fail when a deployer wrote the change (self-deployment) or an eligible reviewer rejected it;
/// pending (FinGuard waits, and decides when the next review arrives) while approvals are missing, saying how many and
/// from whom they cannot come; pass otherwise. Error (fail closed) when FinGuard cannot tell who wrote the change: no
/// pull request decision to read it from, or a commit author or committer email GitHub could not map to an account,
/// or a co-author it cannot match.</para>
/// </summary>
public sealed class DeploymentSeparationOfDutiesControl : IDeploymentControl
{
    public const string ControlId = "deployment-separation-of-duties";

    public string Id => ControlId;

    public string Name => "Deployment separation of duties";

    public ControlResult Evaluate(DeploymentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var deployment = context.Deployment;
        var required = context.Environment.RequiredApprovals;
        var decisions = deployment.PullRequestDecisions.IsDefault ? [] : deployment.PullRequestDecisions;

        // The change is what the passing decisions describe; without one, whatever decisions there are.
        var basis = decisions.Where(d => d.Passed).ToList();
        if (basis.Count == 0)
        {
            basis = [.. decisions];
        }

        if (basis.Count == 0 || basis.Any(d => d.Change is null))
        {
            var missing = basis.Where(d => d.Change is null).Select(d => $"#{d.Number}").ToList();
            return Result(
                ControlStatus.Error,
                basis.Count == 0
                    ? "FinGuard cannot tell who wrote the deployed change (fail closed): no pull request decision describes it."
                    : $"FinGuard cannot tell who wrote the deployed change (fail closed): the decision of {SeparationOfDutiesControl.AndList(missing)} could not be read.",
                [],
                "Deploy a commit that reached the repository through a pull request FinGuard decided on.");
        }

        var writers = Writers.Collect(basis.Select(d => d.Change!));
        if (writers.Problems.Count > 0)
        {
            return Result(
                ControlStatus.Error,
                $"FinGuard cannot verify who wrote the deployed change (fail closed): {writers.Problems.Count} {(writers.Problems.Count == 1 ? "identity" : "identities")} cannot be linked to a GitHub account.",
                [.. writers.Problems],
                "Make sure every commit's author and committer email is verified on a GitHub account, and co-authors use their GitHub no-reply address.");
        }

        var details = new List<ResultDetail>();
        var deployers = deployment.Deployers.IsDefault ? [] : deployment.Deployers;
        var selfDeployers = new List<string>();
        foreach (var deployer in deployers)
        {
            if (deployer.IsBot)
            {
                details.Add(new ResultDetail(deployer.Login, true, "deployed (a bot: the people behind the run are checked)"));
            }
            else if (writers.RolesOf(deployer) is { } roles)
            {
                selfDeployers.Add(deployer.Login);
                details.Add(new ResultDetail(deployer.Login, false, $"deployed a change they wrote ({roles})"));
            }
            else
            {
                details.Add(new ResultDetail(deployer.Login, true, "deployed, and did not write the change"));
            }
        }

        // Reviews of this environment, one verdict per account (the last one GitHub lists).
        var reviews = (deployment.Approvals.IsDefault ? [] : deployment.Approvals)
            .Where(a => a.Environments.Contains(deployment.Environment, StringComparer.OrdinalIgnoreCase))
            .GroupBy(a => a.User.Id)
            .Select(g => g.Last())
            .ToList();
        var approvers = new List<string>();
        var rejecters = new List<string>();
        var refused = new List<string>();
        var eligibility = Eligibility(context, writers);
        foreach (var review in reviews)
        {
            var user = review.User;
            var state = review.State.ToLowerInvariant();
            var reasons = state == "approved" ? eligibility.CannotApprove(user) : eligibility.CannotBlock(user);
            if (reasons.Count > 0)
            {
                refused.Add(user.Login);
                details.Add(new ResultDetail(user.Login, false, $"{(state == "approved" ? "approved" : state)} the deployment, but does not count: {string.Join("; ", reasons)}"));
            }
            else if (state == "approved")
            {
                approvers.Add(user.Login);
                details.Add(new ResultDetail(user.Login, true, "approved the deployment — counts"));
            }
            else if (state == "rejected")
            {
                rejecters.Add(user.Login);
                details.Add(new ResultDetail(user.Login, false, "rejected the deployment" + (string.IsNullOrWhiteSpace(review.Comment) ? "" : $": {OneLine(review.Comment)}")));
            }
            else
            {
                details.Add(new ResultDetail(user.Login, false, $"review state `{review.State}` is not one FinGuard knows, so it does not count"));
            }
        }

        var mentioned = details.Select(d => d.Subject).ToHashSet(StringComparer.OrdinalIgnoreCase);
        details.AddRange(writers.All.Where(w => !mentioned.Contains(w.Login)).Select(w => new ResultDetail(w.Login, true, $"cannot approve: {w.Roles}")));

        if (selfDeployers.Count > 0)
        {
            return Result(
                ControlStatus.Fail,
                $"{SeparationOfDutiesControl.AndList(selfDeployers)} deployed a change they wrote; a change must be deployed by someone else.",
                [.. details],
                $"Ask someone who did not author, commit or co-author the change to run the deployment (re-run the workflow as them).");
        }

        if (rejecters.Count > 0)
        {
            return Result(
                ControlStatus.Fail,
                $"{SeparationOfDutiesControl.AndList(rejecters)} rejected the deployment to {deployment.Environment}.",
                [.. details],
                "Address the reviewer's concerns and deploy again.");
        }

        var tally = $"{approvers.Count} of {required} required environment {(required == 1 ? "approval" : "approvals")}";
        if (approvers.Count >= required)
        {
            var by = approvers.Count == 0 ? "" : $" Approved by {SeparationOfDutiesControl.AndList(approvers)}.";
            return Result(
                ControlStatus.Pass,
                required == 0
                    ? "Deployed by someone who did not write the change; this environment requires no approvals."
                    : $"Deployed by someone who did not write the change; {tally}.{by}",
                [.. details]);
        }

        var missingCount = required - approvers.Count;
        var cannot = writers.All.Select(w => w.Login).Concat(deployers.Select(d => d.Login)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var howToFix = new List<string>
        {
            $"Ask {missingCount} more of the environment's required reviewers to approve the deployment to {deployment.Environment} on GitHub (Review deployments).",
            $"They cannot be {SeparationOfDutiesControl.AndList(cannot)} (deployer or writer of the change); bots do not count.",
            "The environment must list enough required reviewers (Settings → Environments) for this to be possible.",
        };
        if (refused.Count > 0)
        {
            howToFix.Add($"{SeparationOfDutiesControl.AndList(refused)} reviewed, but their review does not count.");
        }

        return Result(
            ControlStatus.Pending,
            $"{tally}; waiting for {missingCount} more from someone who neither deployed nor wrote the change.",
            [.. details],
            string.Join('\n', howToFix));
    }

    /// <summary>
    /// Who may approve this deployment (<see cref="ApproverEligibility"/>, the rules of a pull request's approvals): not a
    /// deployer, not a writer of the change, not a bot, not excluded by the policy, and with write access when it says so.
    /// </summary>
    internal static ApproverEligibility Eligibility(DeploymentContext context, Writers writers) =>
        ApproverEligibility.For(
            writers.RolesOf,
            context.Policy.SeparationOfDuties,
            context.Deployment.ReviewerPermissions,
            context.Deployment.Deployers);

    private ControlResult Result(ControlStatus status, string summary, ImmutableArray<ResultDetail> details, string? howToFix = null) => new()
    {
        Id = Id,
        Name = Name,
        Status = status,
        Summary = summary,
        Details = details,
        HowToFix = howToFix,
    };

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    /// <summary>One person who wrote the change.</summary>
    internal sealed class Writer(string login)
    {
        private readonly List<string> roles = [];

        public string Login { get; set; } = login;

        public string Roles => string.Join("; ", roles);

        public void Add(string role)
        {
            if (!roles.Contains(role, StringComparer.Ordinal))
            {
                roles.Add(role);
            }
        }
    }

    /// <summary>Everyone who wrote the change, by account id (or by login, for an old-style no-reply co-author address).</summary>
    internal sealed class Writers
    {
        private readonly Dictionary<long, Writer> byId = [];
        private readonly Dictionary<string, Writer> byLogin = new(StringComparer.OrdinalIgnoreCase);

        public List<Writer> All { get; } = [];

        public List<ResultDetail> Problems { get; } = [];

        public static Writers Collect(IEnumerable<PullRequestSnapshot> changes)
        {
            var writers = new Writers();
            foreach (var pr in changes)
            {
                writers.Person(pr.Author.Login, pr.Author.Id).Add($"opened #{pr.Number}");
                var known = new Dictionary<string, GitHubUser>(StringComparer.OrdinalIgnoreCase);
                foreach (var commit in pr.Commits)
                {
                    Remember(known, commit.AuthorEmail, commit.Author);
                    Remember(known, commit.CommitterEmail, commit.Committer);
                }

                if (pr.Commits.Length < pr.ReportedCommitCount)
                {
                    writers.Problems.Add(new ResultDetail($"#{pr.Number}", false, $"GitHub reported {pr.ReportedCommitCount} commits but the decision lists {pr.Commits.Length}, so FinGuard cannot tell who wrote the others"));
                }

                foreach (var commit in pr.Commits)
                {
                    if (commit.Author is { } author)
                    {
                        writers.Person(author.Login, author.Id).Add($"authored {commit.ShortSha}");
                    }
                    else
                    {
                        writers.Problems.Add(new ResultDetail(commit.AuthorEmail ?? "(no email)", false, $"author of {commit.ShortSha}: GitHub could not link this email to an account"));
                    }

                    if (commit.IsWebFlow)
                    {
                        // GitHub itself committed: not a person.
                    }
                    else if (commit.Committer is { } committer)
                    {
                        writers.Person(committer.Login, committer.Id).Add($"committed {commit.ShortSha}");
                    }
                    else
                    {
                        writers.Problems.Add(new ResultDetail(commit.CommitterEmail ?? "(no email)", false, $"committer of {commit.ShortSha}: GitHub could not link this email to an account"));
                    }

                    foreach (var coAuthor in CoAuthorTrailers.Parse(commit.Message))
                    {
                        if (coAuthor.Email is { } email && GitHubNoreplyAddress.TryParse(email, out var id, out var login))
                        {
                            writers.Person(login, id).Add($"co-authored {commit.ShortSha}");
                        }
                        else if (coAuthor.Email is { } address && known.TryGetValue(address, out var user))
                        {
                            writers.Person(user.Login, user.Id).Add($"co-authored {commit.ShortSha}");
                        }
                        else
                        {
                            writers.Problems.Add(new ResultDetail(coAuthor.Email ?? coAuthor.Trailer, false, $"co-author of {commit.ShortSha}: cannot be matched to a GitHub account"));
                        }
                    }
                }
            }

            return writers;
        }

        /// <summary>Why <paramref name="user"/> counts as a writer, or null when they do not.</summary>
        public string? RolesOf(GitHubUser user) =>
            byId.TryGetValue(user.Id, out var writer) || byLogin.TryGetValue(user.Login, out writer) ? writer.Roles : null;

        private Writer Person(string login, long? id)
        {
            if (id is { } known)
            {
                if (byId.TryGetValue(known, out var existing))
                {
                    return existing;
                }

                // Someone first known only by login (an old-style no-reply address) is now seen with an account id.
                if (!byLogin.Remove(login, out var writer))
                {
                    writer = new Writer(login);
                    All.Add(writer);
                }

                byId[known] = writer;
                return writer;
            }

            var same = All.FirstOrDefault(w => string.Equals(w.Login, login, StringComparison.OrdinalIgnoreCase));
            if (same is not null)
            {
                return same;
            }

            var loginOnly = new Writer(login);
            byLogin[login] = loginOnly;
            All.Add(loginOnly);
            return loginOnly;
        }

        private static void Remember(Dictionary<string, GitHubUser> known, string? email, GitHubUser? user)
        {
            if (email is not null && user is not null && user.Login != SeparationOfDutiesControl.WebFlowLogin)
            {
                known.TryAdd(email, user);
            }
        }
    }
}
