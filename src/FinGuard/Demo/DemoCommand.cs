using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FinGuard.Cli;
using FinGuard.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace FinGuard.Demo;

/// <summary>
/// <c>finguard demo [--dir DIR] [--verbose]</c>: the whole product on this machine, without a GitHub account. It starts
/// the real <c>finguard serve</c> application (development mode, the embedded local store in <c>DIR/store</c>) against a
/// <see cref="SimulatedGitHub"/> on loopback, sends it webhook deliveries signed with a fresh webhook secret, exactly as
/// GitHub would, and prints what FinGuard decided: each check run as GitHub would show it and each answer to a
/// deployment protection rule. Then it stops the server, exports the evidence (<c>DIR/evidence.zip</c> with its
/// <c>report.html</c>, also extracted to <c>DIR/report.html</c>) and verifies it, and leaves the store for
/// <c>finguard evidence verify</c>. Exit 0 when every step had the outcome the story expects, 1 when one did not (named),
/// 2 for bad usage or a folder it will not overwrite.
/// </summary>
public static class DemoCommand
{
    /// <summary>The file that marks a folder as the demo's own, so a new run may replace it.</summary>
    public const string MarkerFile = ".finguard-demo";

    public const string DefaultDirectory = "finguard-demo";

    internal const string Repository = "octo-bank/payments";

    private const string AppId = "100001";

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(20);

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        RunAsync(args, stdout, stderr, null, cancellationToken);

    /// <param name="args">The command's arguments.</param>
    /// <param name="stdout">Where the story goes.</param>
    /// <param name="stderr">Where usage errors go.</param>
    /// <param name="requestsMade">Given every request FinGuard made to the simulated GitHub (tests check them against GitHub's OpenAPI description).</param>
    /// <param name="cancellationToken">Cancels the demo.</param>
    internal static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Action<IReadOnlyList<string>>? requestsMade, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var directory = DefaultDirectory;
        var verbose = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dir" when i + 1 < args.Length:
                    directory = args[++i];
                    break;
                case "--verbose":
                    verbose = true;
                    break;
                default:
                    await stderr.WriteLineAsync($"finguard demo: unexpected argument '{args[i]}'. Usage: finguard demo [--dir DIR] [--verbose]");
                    return 2;
            }
        }

        directory = Path.GetFullPath(directory);
        if (PrepareDirectory(directory) is { } refusal)
        {
            await stderr.WriteLineAsync($"finguard demo: {refusal}");
            return 2;
        }

        using var story = new DemoStory(stdout);
        await story.RunAsync(directory, verbose, cancellationToken);
        requestsMade?.Invoke(story.Requests);
        return story.Failures.Count == 0 ? 0 : 1;
    }

    /// <summary>Creates the folder, or empties it when an earlier demo made it; refuses any other non-empty folder.</summary>
    private static string? PrepareDirectory(string directory)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            if (!File.Exists(Path.Combine(directory, MarkerFile)))
            {
                return $"{directory} exists and was not made by 'finguard demo'; it is left alone. Pass --dir with a new or empty folder.";
            }

            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, MarkerFile), "Made by 'finguard demo'; the next demo run replaces this folder.\n");
        return null;
    }

    /// <summary>One run of the demo: what it printed and which expected outcomes did not happen.</summary>
    private sealed class DemoStory(TextWriter stdout) : IDisposable
    {
        private readonly string webhookSecret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        private HttpClient? finguard;
        private SimulatedGitHub? github;

        public List<string> Failures { get; } = [];

        public IReadOnlyList<string> Requests { get; private set; } = [];

        public void Dispose() => finguard?.Dispose();

        public async Task RunAsync(string directory, bool verbose, CancellationToken cancellationToken)
        {
            var store = Path.Combine(directory, "store");
            var bundle = Path.Combine(directory, "evidence.zip");
            await stdout.WriteLineAsync("""
                FinGuard demo — a SIMULATION: no GitHub account, nothing leaves this machine.
                The real FinGuard server (finguard serve, development mode, local store) runs against a simulated GitHub on
                127.0.0.1 that answers with recorded GitHub responses (docs/examples/). Deliveries are signed with a fresh
                webhook secret and FinGuard authenticates as a GitHub App with a fresh key, as it would with GitHub.
                """);

            using var appKey = RSA.Create(2048);
            await using (github = await SimulatedGitHub.StartAsync(appKey, AppId, TimeProvider.System, cancellationToken))
            {
                ServeRecordings(github);
                var app = FinGuardApp.Build(
                [
                    "--urls", "http://127.0.0.1:0",
                    "--Scheduler:Enabled=false",
                    $"--Storage:LocalPath={store}",
                    "--FinGuard:Mode=development",
                    $"--GitHub:AppId={AppId}",
                    $"--GitHub:PrivateKey={appKey.ExportRSAPrivateKeyPem()}",
                    $"--GitHub:WebhookSecret={webhookSecret}",
                    $"--GitHub:ApiBaseUrl={github.BaseAddress}",
                    $"--Logging:LogLevel:Default={(verbose ? "Information" : "Warning")}",
                    $"--Logging:LogLevel:FinGuard={(verbose ? "Information" : "Warning")}",
                ]);
                await using (app)
                {
                    await app.StartAsync(cancellationToken);
                    var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
                    using (finguard = new HttpClient { BaseAddress = new Uri(address.TrimEnd('/') + "/") })
                    {
                        await stdout.WriteLineAsync($"FinGuard listens on {finguard.BaseAddress}; the simulated GitHub API on {github.BaseAddress}");
                        await stdout.WriteLineAsync($"Evidence store: {store}");
                        await PullRequestsAsync(cancellationToken);
                        await DeploymentsAsync(cancellationToken);
                    }

                    await app.StopAsync(cancellationToken);
                }

                await stdout.WriteLineAsync();
                Requests = github.Requests;
                await stdout.WriteLineAsync($"FinGuard made {Requests.Count} requests to the simulated GitHub.");
                if (github.Unanswered.Count > 0)
                {
                    await stdout.WriteLineAsync($"The simulation had no recording for {github.Unanswered.Count} of them (answered 404 as GitHub does): {string.Join(", ", github.Unanswered.Distinct())}");
                }
            }

            await EvidenceAsync(directory, store, bundle);
            await SummaryAsync(directory, store, bundle);
        }

        /// <summary>The recorded GitHub responses of docs/examples/, as one repository.</summary>
        private static void ServeRecordings(SimulatedGitHub github)
        {
            foreach (var (folder, reviewsShown) in new[] { ("compliant-pull-request", 1), ("non-compliant-pull-request", int.MaxValue) })
            {
                var pull = DemoData.Json($"{folder}/pull.json").AsObject();
                var reviews = DemoData.Json($"{folder}/reviews.json").AsArray();
                github.ServePullRequest(Repository, pull, DemoData.Json($"{folder}/commits.json").AsArray(), new JsonArray([.. reviews.Take(reviewsShown).Select(r => r!.DeepClone())]));
                ServePermissions(github, folder);
            }

            // One repository, one policy on its default branch: the compliant example's.
            var policy = DemoData.Text("compliant-pull-request/finguard.yml")!;
            github.Serve($"repos/{Repository}/contents/.github/finguard.yml", Contents(".github/finguard.yml", policy));
            github.Serve($"repos/{Repository.Split('/')[0]}/.github/contents/finguard.yml", null); // no organisation policy
            foreach (var folder in new[] { "deployment-approved", "deployment-rejected" })
            {
                var request = DemoData.Json($"{folder}/deployment_protection_rule.json");
                var runId = RunId(request);
                var sha = (string)request["deployment"]!["sha"]!;
                github.Serve($"repos/{Repository}/actions/runs/{runId}", DemoData.Text($"{folder}/workflow-run.json")!);
                github.Serve($"repos/{Repository}/actions/runs/{runId}/approvals", DemoData.Text($"{folder}/approvals.json")!);
                github.Serve($"repos/{Repository}/commits/{sha}/pulls", DemoData.Text($"{folder}/commit-pulls.json")!);
                github.Serve($"repos/{Repository}/git/matching-refs/tags/{(string)request["deployment"]!["ref"]!}", DemoData.Text($"{folder}/tag-refs.json")!);
                ServePermissions(github, folder);
            }

            // The environment's previous approved deployment (9a8b7c6) and the rejected one's commit are on two branches
            // of main: FinGuard asks how they compare for the rollback flag.
            github.Serve(
                $"repos/{Repository}/compare/{DeployedSha("deployment-approved")}...{DeployedSha("deployment-rejected")}",
                SimulatedGitHub.Compare(DemoData.Json("non-compliant-pull-request/commits.json").AsArray(), "diverged", DemoData.Json("compliant-pull-request/commits.json").AsArray().Count));
        }

        private static string DeployedSha(string folder) => (string)DemoData.Json($"{folder}/deployment_protection_rule.json")["deployment"]!["sha"]!;

        private static void ServePermissions(SimulatedGitHub github, string folder)
        {
            foreach (var file in DemoData.Files(folder).Where(f => f.StartsWith("permissions/", StringComparison.Ordinal)))
            {
                var login = Path.GetFileNameWithoutExtension(file);
                github.Serve($"repos/{Repository}/collaborators/{login}/permission", DemoData.Text($"{folder}/{file}")!);
            }
        }

        /// <summary>GET /repos/{o}/{r}/contents/{path} for a file, as GitHub returns it.</summary>
        private static string Contents(string path, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            // GitHub's blob SHA: git's object id, SHA-1 of "blob {length}\0" and the content (an identifier, not a security check).
#pragma warning disable CA5350
            var blobSha = Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));
#pragma warning restore CA5350
            return new JsonObject
            {
                ["type"] = "file",
                ["encoding"] = "base64",
                ["size"] = bytes.Length,
                ["name"] = Path.GetFileName(path),
                ["path"] = path,
                ["content"] = Convert.ToBase64String(bytes),
                ["sha"] = blobSha,
                ["url"] = $"https://api.github.com/repos/{Repository}/contents/{path}",
                ["html_url"] = $"https://github.com/{Repository}/blob/main/{path}",
            }.ToJsonString();
        }

        private static long RunId(JsonNode request) =>
            long.Parse(((string)request["deployment_callback_url"]!).Split('/')[^2], CultureInfo.InvariantCulture);

        private async Task PullRequestsAsync(CancellationToken cancellationToken)
        {
            var compliantPush = DemoData.Json("compliant-pull-request/head-push.json").AsObject();
            var compliantSha = (string)compliantPush["pull_request"]!["head"]!["sha"]!;
            await StepAsync("1. Pull request #1701 (dev-alice, two signed commits); so far reviewer-bob approved it.");
            await DeliverAsync("pull_request", compliantPush);
            await CheckRunAsync(compliantSha, 1, "action_required", cancellationToken);

            await StepAsync("2. reviewer-carol approves #1701: the second independent approval.");
            var carol = DemoData.Json("compliant-pull-request/reviews.json").AsArray()[1]!.AsObject();
            github!.AddReview(Repository, 1701, (JsonObject)carol.DeepClone());
            await DeliverAsync("pull_request_review", ReviewDelivery(compliantPush, carol));
            await CheckRunAsync(compliantSha, 2, "success", cancellationToken);

            var failingPush = DemoData.Json("non-compliant-pull-request/head-push.json").AsObject();
            await StepAsync("3. Pull request #1702 (dev-alice): an unsigned commit, approved by its own author and, on an older commit, by reviewer-bob.");
            await DeliverAsync("pull_request", failingPush);
            await CheckRunAsync((string)failingPush["pull_request"]!["head"]!["sha"]!, 1, "failure", cancellationToken);
        }

        private async Task DeploymentsAsync(CancellationToken cancellationToken)
        {
            await StepAsync("4. deployer-dave deploys 9a8b7c6 (the head of #1701) to production; reviewer-bob and reviewer-carol approved the environment.");
            await DeploymentAsync("deployment-approved", "approved", cancellationToken);
            await StepAsync("5. deployer-dave deploys deadbee (the head of #1702, which FinGuard failed) to production, with the same approvals.");
            await DeploymentAsync("deployment-rejected", "rejected", cancellationToken);
        }

        private async Task DeploymentAsync(string folder, string expected, CancellationToken cancellationToken)
        {
            var request = DemoData.Json($"{folder}/deployment_protection_rule.json").AsObject();
            var runId = RunId(request);
            // GitHub sends the callback URL of its own API; here that is the simulated one.
            request["deployment_callback_url"] = new Uri(github!.BaseAddress, $"repos/{Repository}/actions/runs/{runId}/deployment_protection_rule").AbsoluteUri;
            await DeliverAsync("deployment_protection_rule", request);
            var answer = await github.WaitForDeploymentAnswerAsync(runId, StepTimeout, cancellationToken);
            if (answer is null)
            {
                await FailAsync($"FinGuard did not answer the deployment protection rule of run {runId} within {StepTimeout.TotalSeconds:0} s.");
                return;
            }

            var state = (string?)answer["state"];
            await stdout.WriteLineAsync($"   FinGuard answered GitHub: {state?.ToUpperInvariant()} (POST …/actions/runs/{runId}/deployment_protection_rule), with this comment:");
            await stdout.WriteLineAsync(Indent((string?)answer["comment"] ?? ""));
            if (state != expected)
            {
                await FailAsync($"the deployment of run {runId} was {state}, not {expected} as the story expects.");
            }
        }

        private async Task CheckRunAsync(string headSha, int nth, string expected, CancellationToken cancellationToken)
        {
            var run = await github!.WaitForCompletedCheckRunAsync(headSha, nth, StepTimeout, cancellationToken);
            if (run is null)
            {
                await FailAsync($"no FinGuard check run was completed on {headSha[..7]} within {StepTimeout.TotalSeconds:0} s.");
                return;
            }

            var conclusion = (string?)run["conclusion"];
            var output = run["output"];
            await stdout.WriteLineAsync($"   Check run \"{(string?)run["name"]}\" on {headSha[..7]}: {conclusion} — {(string?)output?["title"]}");
            await stdout.WriteLineAsync(Indent(((string?)output?["text"] ?? (string?)output?["summary"] ?? "").TrimEnd()));
            if (conclusion != expected)
            {
                await FailAsync($"the check run on {headSha[..7]} concluded {conclusion}, not {expected} as the story expects.");
            }
        }

        /// <summary>A <c>pull_request_review</c> <c>submitted</c> delivery for <paramref name="review"/> (a review as GET …/reviews returns it).</summary>
        private static JsonObject ReviewDelivery(JsonObject pullRequestDelivery, JsonObject review)
        {
            var webhookReview = (JsonObject)review.DeepClone();
            webhookReview["state"] = ((string?)review["state"])?.ToLowerInvariant(); // webhooks spell review states in lower case
            return new JsonObject
            {
                ["action"] = "submitted",
                ["review"] = webhookReview,
                ["pull_request"] = pullRequestDelivery["pull_request"]!.DeepClone(),
                ["repository"] = pullRequestDelivery["repository"]!.DeepClone(),
                ["sender"] = review["user"]!.DeepClone(),
            };
        }

        /// <summary>POSTs a delivery to FinGuard's webhook endpoint, signed as GitHub signs it, from installation 7000001.</summary>
        private async Task DeliverAsync(string eventName, JsonObject payload)
        {
            payload["installation"] ??= new JsonObject { ["id"] = 7_000_001 };
            var body = Encoding.UTF8.GetBytes(payload.ToJsonString());
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/github/webhooks") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            var deliveryId = Guid.NewGuid().ToString();
            request.Headers.Add("X-GitHub-Event", eventName);
            request.Headers.Add("X-GitHub-Delivery", deliveryId);
            request.Headers.Add("X-GitHub-Hook-ID", "1");
            request.Headers.UserAgent.ParseAdd("GitHub-Hookshot/finguard-demo");
            request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(webhookSecret), body)));
            using var response = await finguard!.SendAsync(request);
            await stdout.WriteLineAsync($"   → signed {eventName}.{(string?)payload["action"]} delivery {deliveryId}: HTTP {(int)response.StatusCode}");
            if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                await FailAsync($"FinGuard answered the {eventName} delivery with {(int)response.StatusCode}, not 202: {await response.Content.ReadAsStringAsync()}");
            }
        }

        private async Task EvidenceAsync(string directory, string store, string bundle)
        {
            await StepAsync("6. The evidence: every decision above was written to the hash chain before GitHub heard of it.");
            var output = new StringWriter(CultureInfo.InvariantCulture);
            var export = await EvidenceCommand.RunAsync(["export", "--repo", Repository, "--out", bundle, $"--Storage:LocalPath={store}"], output, output, TimeProvider.System);
            await stdout.WriteLineAsync(Indent($"$ finguard evidence export --repo {Repository} --out {Relative(bundle)}{Environment.NewLine}{output.ToString().TrimEnd()}"));
            if (export != 0)
            {
                await FailAsync($"the evidence export exited {export}.");
                return;
            }

            using (var zip = ZipFile.OpenRead(bundle))
            {
                zip.Entries.FirstOrDefault(e => e.Name == "report.html")?.ExtractToFile(Path.Combine(directory, "report.html"), overwrite: true);
            }

            output = new StringWriter(CultureInfo.InvariantCulture);
            var verify = await EvidenceCommand.RunAsync(["verify", bundle], output, output, TimeProvider.System);
            await stdout.WriteLineAsync(Indent($"$ finguard evidence verify {Relative(bundle)}{Environment.NewLine}{output.ToString().TrimEnd()}"));
            if (verify != 0)
            {
                await FailAsync($"the evidence bundle did not verify (exit {verify}).");
            }
        }

        private async Task SummaryAsync(string directory, string store, string bundle)
        {
            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync(Failures.Count == 0
                ? "Demo complete: every step had the expected outcome."
                : $"Demo finished with {Failures.Count} unexpected outcome(s):{Environment.NewLine}{string.Join(Environment.NewLine, Failures.Select(f => "  - " + f))}");
            var width = Relative(Path.Combine(directory, "report.html")).Length + 2;
            await stdout.WriteLineAsync($"""
                What it left in {Relative(directory)}/ (replaced by the next 'finguard demo'):
                  {(Relative(store) + "/").PadRight(width)}the evidence store (development mode: these records are NOT WORM evidence)
                  {Relative(bundle).PadRight(width)}the auditor's export
                  {Relative(Path.Combine(directory, "report.html")).PadRight(width)}the export's report; open it in a browser
                Check it yourself:
                  finguard evidence verify {Relative(bundle)}
                  finguard evidence verify --live --repo {Repository} --Storage:LocalPath={Relative(store)}
                The same decisions offline, from the recorded GitHub responses:
                  finguard evaluate --offline docs/examples/compliant-pull-request
                  finguard evaluate deployment --offline docs/examples/deployment-approved
                Next: install FinGuard on a real organisation (docs/install.md).
                """);
        }

        private async Task StepAsync(string text)
        {
            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync(text);
        }

        private async Task FailAsync(string text)
        {
            Failures.Add(text);
            await stdout.WriteLineAsync($"   UNEXPECTED: {text}");
        }

        private static string Indent(string text) =>
            string.Join(Environment.NewLine, text.Split('\n').Select(l => "     " + l.TrimEnd('\r')));

        private static string Relative(string path)
        {
            var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
            return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
        }
    }
}
