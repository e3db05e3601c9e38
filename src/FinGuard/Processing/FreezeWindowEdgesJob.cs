using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using FinGuard.Core.Evidence;
using FinGuard.Core.Freeze;
using FinGuard.Core.Policy;
using FinGuard.Functions;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Auth;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.Storage.Deployments;
using FinGuard.Storage.Evidence;

namespace FinGuard.Processing;

/// <summary>
/// Timer job <c>FreezeWindowEdges</c> (every minute): when a change-freeze window opens or closes, the FinGuard check
/// of every open pull request of the affected repositories is evaluated again, so no check stays green into a freeze
/// or red after one.
/// <list type="number">
/// <item><b>Which repositories</b>: those with evidence in the store (the chains of <see cref="ICheckpointChainCatalog"/>),
/// each with the installation id of its latest evidence record, remembered in <see cref="IFreezeWindowEdgesState"/>.
/// A repository FinGuard has never decided about has no open pull request with a FinGuard check to update.</item>
/// <item><b>Which windows</b>: the freeze-window policy of the repository's default branch (its <c>.github/finguard.yml</c>
/// merged with the organisation's file), read from GitHub at most every <see cref="PolicyRefresh"/>, the organisation's
/// file once per run for all the repositories of an organisation (conditional reads: 304s once unchanged). Windows written
/// only in the policy file of another branch are not seen here (they still apply when a pull request to that branch is
/// evaluated).</item>
/// <item><b>When</b>: a repository is acted on when a window opened or closed since it was last checked, or when its
/// freeze-window policy changed since the last read; then every open pull request
/// (<c>GET /repos/{owner}/{repo}/pulls?state=open</c>) is evaluated again, recorded as evidence with source
/// <c>finguard-timer:FreezeWindowEdges</c>, and its check run updated.</item>
/// <item><b>Held deployments</b>: at the same edges (or policy change), every deployment request of the repository
/// still waiting for FinGuard's answer (<see cref="IDeploymentRequests.ListOpenAsync(CancellationToken)"/>: one held by a freeze window
/// with <c>during-freeze: hold</c>, or one waiting for approvals) is decided again by <see cref="DeploymentGateService"/>,
/// evidence first, source <c>finguard-timer:FreezeWindowEdges</c>. A request whose freeze is still on stays waiting.</item>
/// <item><b>Wait timers</b>: every run, each deployment request still waiting whose environment wait timer has ended
/// (<see cref="DeploymentRequest.WaitUntil"/>, noted by the gate when it answered "waiting") is decided again, evidence
/// first, whatever its repository; the request only says when to look again, the gate decides from the facts.</item>
/// <item><b>Break-glass expiry</b>: while a window is open, an open pull request carrying the break-glass label whose latest
/// evidence record passed by break-glass that has expired since is evaluated again (and then fails).</item>
/// </list>
/// A repository whose check fails is retried on the next run (its progress is not advanced); one GitHub says is gone
/// (404, or the installation's token is refused) is left alone for <see cref="SuspendFor"/>.
/// </summary>
public sealed partial class FreezeWindowEdgesJob(
    IServiceScopeFactory scopes,
    ICheckpointChainCatalog catalog,
    IEvidenceStore evidence,
    IFreezeWindowEdgesState state,
    TimeProvider time,
    ILogger<FreezeWindowEdgesJob> logger) : IScheduledJob
{
    /// <summary>How far back edges are looked for in a repository seen for the first time (or after a restart without state).</summary>
    public static readonly TimeSpan FirstLookBack = TimeSpan.FromMinutes(10);

    /// <summary>How long a repository's freeze-window policy is used before it is read from GitHub again.</summary>
    public static readonly TimeSpan PolicyRefresh = TimeSpan.FromMinutes(10);

    /// <summary>How long a repository GitHub says is gone is left alone.</summary>
    public static readonly TimeSpan SuspendFor = TimeSpan.FromHours(1);

    /// <summary>The evidence record's <c>source</c> of a decision this job made.</summary>
    public const string EvidenceSource = "finguard-timer:" + FunctionNames.FreezeWindowEdges;

    /// <summary>The trigger event recorded for its decisions.</summary>
    public const string TriggerEvent = "schedule";

    private readonly ConcurrentDictionary<string, CachedPolicy> policies = new(StringComparer.Ordinal);

    public string Name => FunctionNames.FreezeWindowEdges;

    public async Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var now = time.GetUtcNow();
        var repositories = new Dictionary<string, FreezeWindowEdgesRepository>(await state.ReadAsync(cancellationToken), StringComparer.Ordinal);
        var discovered = await DiscoverAsync(repositories, now, cancellationToken);

        var tally = new Tally();
        await using (var scope = scopes.CreateAsyncScope())
        {
            var services = scope.ServiceProvider;
            var run = new Run(
                services.GetRequiredService<PullRequestFactsLoader>(),
                services.GetRequiredService<GitHubApiClient>(),
                services.GetRequiredService<PullRequestEvaluationService>(),
                services.GetRequiredService<DeploymentGateService>(),
                services.GetRequiredService<IDeploymentRequests>(),
                now,
                $"{FunctionNames.FreezeWindowEdges}:{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture)}");
            foreach (var (chain, repository) in repositories.OrderBy(r => r.Key, StringComparer.Ordinal).ToList())
            {
                if (repository.InstallationId <= 0)
                {
                    // Its latest record named no installation: looked at again once the suspension is over.
                    if (!(repository.SuspendedUntil > now))
                    {
                        repositories.Remove(chain);
                    }

                    continue;
                }

                if (repository.SuspendedUntil > now)
                {
                    tally.Suspended++;
                    continue;
                }

                try
                {
                    await CheckAsync(chain, repository, run, tally, cancellationToken);
                    repositories[chain] = repository with { CheckedUntil = now, SuspendedUntil = null };
                    tally.Checked++;
                }
                catch (Exception ex) when (IsGone(ex))
                {
                    LogGone(repository.Repository, ex.Message);
                    repositories[chain] = repository with { CheckedUntil = now, SuspendedUntil = now + SuspendFor };
                    tally.Suspended++;
                }
                catch (Exception ex) when (ex is GitHubApiException or GitHubAuthException or GitHubFactsException or HttpRequestException or JsonException or IOException or TimeoutException)
                {
                    // Not advanced: the next run looks at the same edges again.
                    LogFailed(repository.Repository, ex.Message);
                    tally.Failed.Add(repository.Repository);
                }
            }

            await RedecideDueWaitTimersAsync(run, tally, cancellationToken);
        }

        await state.WriteAsync(repositories, cancellationToken);
        return new ScheduledJobOutcome(true, tally.Describe(repositories.Count, discovered, state.Description));
    }

    /// <summary>Adds the chains of the evidence store not yet known, with the installation of their latest record.</summary>
    private async Task<int> DiscoverAsync(Dictionary<string, FreezeWindowEdgesRepository> repositories, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var added = 0;
        await foreach (var organisation in catalog.ListOrganisationsAsync(cancellationToken))
        {
            await foreach (var chain in catalog.ListChainsAsync(organisation, cancellationToken))
            {
                if (repositories.ContainsKey(chain))
                {
                    continue;
                }

                EvidenceIndexEntry? latest = null;
                await foreach (var entry in evidence.ListAsync(chain, cancellationToken))
                {
                    latest = entry;
                }

                if (latest is null || await evidence.ReadAsync(latest.BlobName, cancellationToken) is not { } bytes)
                {
                    continue;
                }

                var record = EvidenceSerializer.FromBytes(bytes);
                if (record.Subject.InstallationId is { } installationId)
                {
                    repositories[chain] = new FreezeWindowEdgesRepository(record.Subject.Repository, installationId, now - FirstLookBack);
                    added++;
                }
                else
                {
                    // Not an installation's repository (as far as its latest record says): not read again for a while.
                    repositories[chain] = new FreezeWindowEdgesRepository(record.Subject.Repository, 0, now, now + SuspendFor);
                }
            }
        }

        return added;
    }

    private async Task CheckAsync(string chain, FreezeWindowEdgesRepository repository, Run run, Tally tally, CancellationToken cancellationToken)
    {
        var (freeze, changed) = await PolicyAsync(chain, repository, run, cancellationToken);
        var hasWindows = freeze.Enabled && !freeze.Windows.IsDefaultOrEmpty;
        if (!hasWindows && !changed)
        {
            return;
        }

        // A policy that no longer freezes anything still changes the checks of a freeze that was on.
        tally.WithWindows += hasWindows ? 1 : 0;
        var calendar = FreezeCalendar.Create(hasWindows ? freeze.Windows : []);
        var edges = calendar.EdgesBetween(repository.CheckedUntil, run.Now);
        var toEvaluate = new SortedSet<int>();
        List<OpenPull>? open = null;
        if (edges.Length > 0 || changed)
        {
            foreach (var edge in edges)
            {
                LogEdge(repository.Repository, edge.Window.Name, edge.Opens ? "opened" : "closed", edge.At);
            }

            open = await ListOpenAsync(repository, run, cancellationToken);
            toEvaluate.UnionWith(open.Select(p => p.Number));
            tally.Edges += edges.Length;
            tally.PolicyChanges += changed ? 1 : 0;
        }

        if (freeze.BreakGlass is { } breakGlass && calendar.ActiveAt(run.Now).Length > 0)
        {
            open ??= await ListOpenAsync(repository, run, cancellationToken);
            foreach (var pull in open.Where(p => !toEvaluate.Contains(p.Number) && p.Labels.Contains(breakGlass.Label, StringComparer.OrdinalIgnoreCase)))
            {
                if (await BreakGlassExpiredAsync(chain, pull, run.Now, cancellationToken))
                {
                    toEvaluate.Add(pull.Number);
                    tally.Expired++;
                }
            }
        }

        foreach (var number in toEvaluate)
        {
            var trigger = new PullRequestTrigger(
                repository.InstallationId,
                repository.Repository,
                null,
                number,
                run.DeliveryId,
                TriggerEvent,
                FunctionNames.FreezeWindowEdges,
                new EvidenceActor("system", null, "finguard"),
                EvidenceSource);
            await run.Evaluation.EvaluateAsync(trigger, cancellationToken);
            tally.Evaluated++;
        }

        var redecided = edges.Length > 0 || changed ? await RedecideDeploymentsAsync(repository, run, cancellationToken) : 0;
        tally.Deployments += redecided;
        if (toEvaluate.Count > 0 || redecided > 0)
        {
            tally.Repositories.Add(repository.Repository);
        }
    }

    /// <summary>Decides again every deployment request of the repository that GitHub still waits on; returns how many.</summary>
    private static async Task<int> RedecideDeploymentsAsync(FreezeWindowEdgesRepository repository, Run run, CancellationToken cancellationToken)
    {
        run.OpenDeployments ??= await run.Requests.ListOpenAsync(cancellationToken);
        var waiting = run.OpenDeployments
            .Where(r => r.State == DeploymentRequestState.Waiting && string.Equals(r.Repository, repository.Repository, StringComparison.OrdinalIgnoreCase))
            .ToList();
        foreach (var request in waiting)
        {
            await run.Gate.ProcessAsync(request, run.DeploymentTrigger, null, cancellationToken);
            run.Redecided.Add((request.Repository.ToLowerInvariant(), request.Key));
        }

        return waiting.Count;
    }

    /// <summary>
    /// Decides again every waiting request whose wait timer has ended, unless this run already did (a window edge of
    /// its repository). One that fails is left as it is and tried again on the next run.
    /// </summary>
    private async Task RedecideDueWaitTimersAsync(Run run, Tally tally, CancellationToken cancellationToken)
    {
        run.OpenDeployments ??= await run.Requests.ListOpenAsync(cancellationToken);
        var due = run.OpenDeployments
            .Where(r => r.State == DeploymentRequestState.Waiting && r.WaitUntil <= run.Now && !run.Redecided.Contains((r.Repository.ToLowerInvariant(), r.Key)))
            .ToList();
        foreach (var request in due)
        {
            try
            {
                await run.Gate.ProcessAsync(request, run.DeploymentTrigger, null, cancellationToken);
                tally.WaitTimers++;
            }
            catch (Exception ex) when (ex is GitHubApiException or GitHubAuthException or GitHubFactsException or HttpRequestException or JsonException or IOException or TimeoutException)
            {
                LogFailed(request.Repository, ex.Message);
                tally.Failed.Add(request.Repository);
            }
        }
    }

    /// <summary>The freeze-window policy of the default branch, from the cache unless older than <see cref="PolicyRefresh"/>; whether it changed since the last read.</summary>
    private async Task<(FreezeWindowPolicy Policy, bool Changed)> PolicyAsync(string chain, FreezeWindowEdgesRepository repository, Run run, CancellationToken cancellationToken)
    {
        if (policies.TryGetValue(chain, out var cached) && run.Now - cached.ReadAt < PolicyRefresh)
        {
            return (cached.Policy, false);
        }

        // The organisation's file once per run for all its repositories (per installation: each reads with its own token).
        var repositoryFile = await run.Loader.LoadRepositoryPolicyAsync(repository.InstallationId, repository.Repository, null, cancellationToken);
        var owner = repository.Repository.Split('/')[0];
        var key = (repository.InstallationId, owner.ToLowerInvariant());
        if (!run.OrganizationPolicies.TryGetValue(key, out var organization))
        {
            organization = await run.Loader.LoadOrganizationPolicyAsync(repository.InstallationId, owner, cancellationToken);
            run.OrganizationPolicies[key] = organization;
        }

        var freeze = PullRequestEvaluator.ResolvePolicy(organization, repositoryFile).Policy.FreezeWindow;
        var json = PolicyJsonContext.ToElement(FinGuardPolicy.Default with { FreezeWindow = freeze }).GetProperty("freezeWindow").GetRawText();
        policies[chain] = new CachedPolicy(freeze, json, run.Now);
        return (freeze, cached is not null && !string.Equals(cached.Json, json, StringComparison.Ordinal));
    }

    private static async Task<List<OpenPull>> ListOpenAsync(FreezeWindowEdgesRepository repository, Run run, CancellationToken cancellationToken)
    {
        var pages = await run.Api.GetPagesAsync(repository.InstallationId, $"repos/{repository.Repository}/pulls?state=open&per_page=100", 10, cancellationToken);
        var pulls = new List<OpenPull>();
        foreach (var page in pages)
        {
            var json = page.Json();
            if (json.ValueKind != JsonValueKind.Array)
            {
                throw new GitHubFactsException($"GitHub's answer to {page.Request} is not a list of pull requests.");
            }

            foreach (var pull in json.EnumerateArray())
            {
                var labels = pull.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Array
                    ? l.EnumerateArray().Select(x => x.TryGetProperty("name", out var n) ? n.GetString() : null).OfType<string>().ToList()
                    : [];
                var head = pull.TryGetProperty("head", out var h) && h.TryGetProperty("sha", out var sha) ? sha.GetString() : null;
                pulls.Add(new OpenPull(pull.GetProperty("number").GetInt32(), head, labels));
            }
        }

        return pulls;
    }

    /// <summary>Whether the latest decision about this pull request's head passed by a break-glass that has expired.</summary>
    private async Task<bool> BreakGlassExpiredAsync(string chain, OpenPull pull, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (pull.HeadSha is null)
        {
            return false;
        }

        var latest = (await evidence.FindByShaAsync(chain, pull.HeadSha, cancellationToken)).FirstOrDefault(e => e.PullRequest == pull.Number);
        if (latest is null)
        {
            return false;
        }

        // A record that does not verify cannot say its break-glass still holds: evaluating again is the safe answer.
        if ((await evidence.ReadVerifiedAsync(latest, cancellationToken)).Record is not { } record)
        {
            return true;
        }

        return record.Result.Controls.FirstOrDefault(c => c.Id == FreezeWindowControl.ControlId)?.Exception is { } exception && exception.ExpiresAt <= now;
    }

    /// <summary>The repository is gone (404) or the installation no longer exists or is suspended (its token refused with 404 or 403).</summary>
    private static bool IsGone(Exception ex) =>
        ex is GitHubApiException { Status: HttpStatusCode.NotFound }
            or GitHubAuthException { StatusCode: HttpStatusCode.NotFound or HttpStatusCode.Forbidden, InstallationId: not null };

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Freeze window '{Window}' of {Repository} {Edge} at {At}; re-evaluating its open pull requests")]
    private partial void LogEdge(string repository, string window, string edge, DateTimeOffset at);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "FreezeWindowEdges could not check {Repository}; retrying on the next run: {Error}")]
    private partial void LogFailed(string repository, string error);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "FreezeWindowEdges: GitHub says {Repository} or its installation is gone; not checking it for an hour: {Error}")]
    private partial void LogGone(string repository, string error);

    private sealed record CachedPolicy(FreezeWindowPolicy Policy, string Json, DateTimeOffset ReadAt);

    private sealed record OpenPull(int Number, string? HeadSha, List<string> Labels);

    private sealed record Run(
        PullRequestFactsLoader Loader,
        GitHubApiClient Api,
        PullRequestEvaluationService Evaluation,
        DeploymentGateService Gate,
        IDeploymentRequests Requests,
        DateTimeOffset Now,
        string DeliveryId)
    {
        /// <summary>Every deployment request not answered yet (read once per run, when a repository first needs it).</summary>
        public IReadOnlyList<DeploymentRequest>? OpenDeployments { get; set; }

        /// <summary>What the job's deployment decisions record as their cause.</summary>
        public DeploymentTrigger DeploymentTrigger { get; } =
            new(DeliveryId, TriggerEvent, FunctionNames.FreezeWindowEdges, new EvidenceActor("system", null, "finguard"), EvidenceSource);

        /// <summary>The deployment requests decided again in this run (repository in lower case, key).</summary>
        public HashSet<(string Repository, string Key)> Redecided { get; } = [];

        /// <summary>The organisation policy files read in this run, by installation and owner (lower case); null: absent.</summary>
        public Dictionary<(long InstallationId, string Owner), PolicyFile?> OrganizationPolicies { get; } = [];
    }

    /// <summary>What a run did, for its outcome line.</summary>
    private sealed class Tally
    {
        public int WithWindows { get; set; }

        public int Edges { get; set; }

        public int PolicyChanges { get; set; }

        public int Expired { get; set; }

        public int Evaluated { get; set; }

        public int Deployments { get; set; }

        public int WaitTimers { get; set; }

        public int Suspended { get; set; }

        public int Checked { get; set; }

        public List<string> Repositories { get; } = [];

        public List<string> Failed { get; } = [];

        public string Describe(int known, int discovered, string stateDescription)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"Checked {Checked} of {known} repositories with evidence ({discovered} new; {WithWindows} with freeze windows on the default branch); " +
                $"{Edges} window edge(s), {PolicyChanges} policy change(s), {Expired} expired break-glass; re-evaluated {Evaluated} open pull request(s)");
            if (Repositories.Count > 0)
            {
                text += $" in {string.Join(", ", Repositories)}";
            }

            text += ".";
            if (Deployments > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" Decided again {Deployments} waiting deployment request(s).");
            }

            if (WaitTimers > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" Decided again {WaitTimers} deployment request(s) whose wait timer ended.");
            }

            if (Failed.Count > 0)
            {
                text += $" Failed, retried next run: {string.Join(", ", Failed)}.";
            }

            if (Suspended > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" {Suspended} repository(ies) skipped: GitHub said they or their installation are gone.");
            }

            return $"{text} ({stateDescription}.)";
        }
    }
}
