using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FinGuard.Functions;
using FinGuard.Storage.Azure;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Infra;

/// <summary>
/// Every template and parameter file in <c>infra/</c> builds and lints with no diagnostic at all (warnings fail too;
/// <c>infra/bicepconfig.json</c> raises the linter rules to errors), and the compiled ARM template has the security
/// properties FinGuard's evidence depends on.
/// </summary>
public sealed partial class BicepTemplateTests(BicepTemplateTests.Compiled compiled) : IClassFixture<BicepTemplateTests.Compiled>
{
    // Built-in role definition ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
    private const string BlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string BlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string TableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string QueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    public static TheoryData<string> InfraFiles() => new(InfraFileNames());

    private static List<string> InfraFileNames() =>
        [.. Directory.EnumerateFiles(BicepCli.InfraDirectory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".bicep", StringComparison.Ordinal) || f.EndsWith(".bicepparam", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(BicepCli.InfraDirectory, f))
            .Order(StringComparer.Ordinal)];

    [Fact]
    public void Infra_has_a_template_and_dev_and_prod_parameter_files()
    {
        var files = InfraFileNames();
        Assert.Contains("main.bicep", files);
        Assert.Contains("dev.bicepparam", files);
        Assert.Contains("prod.bicepparam", files);
        Assert.True(File.Exists(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json")), "infra/bicepconfig.json configures the linter.");
    }

    [Theory]
    [MemberData(nameof(InfraFiles))]
    public void Lints_without_any_diagnostic(string file)
    {
        var (exitCode, stdout, stderr) = compiled.Lint[file];
        var diagnostics = stdout + stderr;

        Assert.True(exitCode == 0 && string.IsNullOrWhiteSpace(diagnostics),
            $"bicep lint {file} (exit {exitCode}) must report nothing:{Environment.NewLine}{diagnostics}");
    }

    [Theory]
    [MemberData(nameof(InfraFiles))]
    public void Builds_without_any_diagnostic(string file)
    {
        var (exitCode, json, diagnostics) = compiled.Build[file];

        Assert.True(exitCode == 0 && string.IsNullOrWhiteSpace(diagnostics),
            $"bicep build{(file.EndsWith(".bicepparam", StringComparison.Ordinal) ? "-params" : "")} {file} (exit {exitCode}) must report nothing:{Environment.NewLine}{diagnostics}");
        Assert.IsType<JsonObject>(JsonNode.Parse(json));
    }

    [Fact]
    public void A_template_with_a_lint_warning_is_caught()
    {
        // The same check as above, on a scratch template with an unused parameter under infra's bicepconfig.json.
        var (_, stdout, stderr) = compiled.ScratchLint;

        Assert.Contains("no-unused-params", stdout + stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bicepconfig_makes_the_linter_rules_errors()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json")))!;
        var core = config["analyzers"]!["core"]!;
        Assert.True(core["enabled"]!.GetValue<bool>());
        var levels = core["rules"]!.AsObject().ToDictionary(r => r.Key, r => r.Value!["level"]!.GetValue<string>());
        Assert.True(levels.Count >= 30, "bicepconfig.json lists the core linter rules explicitly.");
        var weak = levels.Where(l => l.Value != "error" && l.Key != "use-recent-api-versions").Select(l => $"{l.Key}: {l.Value}").ToList();
        Assert.True(weak.Count == 0, "Every linter rule is an error (use-recent-api-versions is off on purpose: it depends on today's date). Not errors: " + string.Join(", ", weak));
    }

    [Fact]
    public void Both_storage_accounts_require_TLS_1_2_https_and_identity_and_allow_no_public_blobs()
    {
        var accounts = compiled.Resources("Microsoft.Storage/storageAccounts");
        Assert.Equal(2, accounts.Count);
        foreach (var account in accounts)
        {
            var properties = account["properties"]!;
            Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
            Assert.False(properties["allowBlobPublicAccess"]!.GetValue<bool>());
            Assert.False(properties["allowSharedKeyAccess"]!.GetValue<bool>());
            Assert.True(properties["supportsHttpsTrafficOnly"]!.GetValue<bool>());
        }
    }

    [Fact]
    public void The_data_account_keeps_versions_and_makes_every_version_immutable_for_the_configured_retention()
    {
        var data = DataAccount();
        var worm = data["properties"]!["immutableStorageWithVersioning"]!;
        Assert.True(worm["enabled"]!.GetValue<bool>());
        Assert.Equal("[parameters('evidenceImmutabilityState')]", (string?)worm["immutabilityPolicy"]!["state"]);
        Assert.Equal("[parameters('evidenceRetentionDays')]", (string?)worm["immutabilityPolicy"]!["immutabilityPeriodSinceCreationInDays"]);
        Assert.False(worm["immutabilityPolicy"]!["allowProtectedAppendWrites"]!.GetValue<bool>());
        Assert.Equal(["Unlocked", "Locked"], compiled.Template["parameters"]!["evidenceImmutabilityState"]!["allowedValues"]!.AsArray().Select(v => (string)v!));

        var blobService = Assert.Single(compiled.Resources("Microsoft.Storage/storageAccounts/blobServices"), b => ((string)b["name"]!).Contains("stfgd", StringComparison.Ordinal));
        Assert.True(blobService["properties"]!["isVersioningEnabled"]!.GetValue<bool>());

        var evidence = Container("evidenceContainerName");
        Assert.Equal("None", (string?)evidence["properties"]!["publicAccess"]);
        Assert.True(evidence["properties"]!["immutableStorageWithVersioning"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("evidence", compiled.Variable("evidenceContainerName"));
    }

    [Fact]
    public void Production_parameters_lock_the_retention_and_development_parameters_leave_it_unlocked()
    {
        Assert.Equal("Locked", (string?)compiled.Parameters("prod.bicepparam")["evidenceImmutabilityState"]!["value"]);
        Assert.True(compiled.Parameters("prod.bicepparam")["evidenceRetentionDays"]!["value"]!.GetValue<int>() >= 365 * 5,
            "Production keeps evidence for years (regulators ask for five to seven).");
        Assert.Equal("Unlocked", (string?)compiled.Parameters("dev.bicepparam")["evidenceImmutabilityState"]!["value"]);
    }

    [Fact]
    public void Production_runs_finguard_in_production_mode_and_development_does_not()
    {
        // FinGuard:Mode=production makes FinGuard verify the evidence container is write-once before it starts.
        Assert.Equal("[parameters('finGuardMode')]", AppSettings()["FinGuard__Mode"]);
        Assert.Equal("production", (string?)compiled.Parameters("prod.bicepparam")["finGuardMode"]!["value"]);
        Assert.Equal("development", (string?)compiled.Parameters("dev.bicepparam")["finGuardMode"]!["value"]);
    }

    [Fact]
    public void The_function_app_is_a_linux_flex_consumption_dotnet_isolated_10_app_with_a_system_assigned_identity()
    {
        var plan = Assert.Single(compiled.Resources("Microsoft.Web/serverfarms"));
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.True(plan["properties"]!["reserved"]!.GetValue<bool>(), "reserved = Linux");

        var app = Assert.Single(compiled.Resources("Microsoft.Web/sites"));
        Assert.Equal("functionapp,linux", (string?)app["kind"]);
        Assert.Equal("SystemAssigned", (string?)app["identity"]!["type"]);
        Assert.True(app["properties"]!["httpsOnly"]!.GetValue<bool>());
        Assert.Equal("1.2", (string?)app["properties"]!["siteConfig"]!["minTlsVersion"]);
        Assert.Equal("Disabled", (string?)app["properties"]!["siteConfig"]!["ftpsState"]);

        // Flex Consumption states the worker runtime as functionAppConfig.runtime; it rejects the
        // FUNCTIONS_WORKER_RUNTIME app setting that other plans use for it.
        var runtime = app["properties"]!["functionAppConfig"]!["runtime"]!;
        Assert.Equal("dotnet-isolated", (string?)runtime["name"]);
        Assert.Equal("[parameters('dotnetIsolatedVersion')]", (string?)runtime["version"]);
        Assert.Equal("10.0", (string?)compiled.Template["parameters"]!["dotnetIsolatedVersion"]!["defaultValue"]);
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", AppSettings().Select(s => s.Key));
        Assert.Equal("SystemAssignedIdentity", (string?)app["properties"]!["functionAppConfig"]!["deployment"]!["storage"]!["authentication"]!["type"]);
    }

    [Fact]
    public void App_secrets_are_key_vault_references_and_storage_is_reached_through_the_identity()
    {
        var settings = AppSettings();
        foreach (var secret in new[] { "GitHub__PrivateKey", "GitHub__WebhookSecret" })
        {
            Assert.True(settings.TryGetValue(secret, out var value), $"{secret} is set");
            Assert.StartsWith("[format('@Microsoft.KeyVault(VaultName={0};SecretName={1})'", value, StringComparison.Ordinal);
        }

        Assert.Contains("AzureWebJobsStorage__accountName", settings.Keys);
        Assert.DoesNotContain(settings, s => s.Key.Equals("AzureWebJobsStorage", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(settings, s => s.Value.Contains("AccountKey", StringComparison.OrdinalIgnoreCase) || s.Value.Contains("listKeys", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("Storage__BlobServiceUri", settings.Keys);
        Assert.Contains("Storage__TableServiceUri", settings.Keys);

        var vault = Assert.Single(compiled.Resources("Microsoft.KeyVault/vaults"));
        Assert.True(vault["properties"]!["enableRbacAuthorization"]!.GetValue<bool>());
        Assert.True(vault["properties"]!["enableSoftDelete"]!.GetValue<bool>());
    }

    [Fact]
    public void The_template_creates_every_table_the_code_uses_and_no_other()
    {
        // ARM writes '${tablePrefix}Name' as [format('{0}Name', parameters('tablePrefix'))].
        var declared = compiled.Template["variables"]!["tableNames"]!.AsArray().Select(n => (string)n!).ToList();
        var expected = AzureTableNames.All.Select(name => $"[format('{{0}}{name}', parameters('tablePrefix'))]").ToList();

        Assert.Equal(expected.Order(StringComparer.Ordinal), declared.Order(StringComparer.Ordinal));
        Assert.Single(compiled.Resources("Microsoft.Storage/storageAccounts/tableServices/tables"), t => ((string)t["name"]!).Contains("variables('tableNames')", StringComparison.Ordinal));
    }

    [Fact]
    public void The_queue_trigger_connection_and_queue_exist_in_the_template()
    {
        var connection = FunctionNames.DeliveriesQueueConnection;
        var queue = FunctionNames.DeliveriesQueue;

        var settings = AppSettings();
        Assert.Contains($"{connection}__queueServiceUri", settings.Keys);
        // The ingress puts delivery ids on that queue (Processing:Dispatch) through Storage:QueueServiceUri.
        Assert.Equal("azure-queue", settings["Processing__Dispatch"]);
        Assert.Equal("[variables('deliveriesQueueName')]", settings["Processing__QueueName"]);
        Assert.Contains("Storage__QueueServiceUri", settings.Keys);
        Assert.Equal(FunctionNames.DeliveriesQueue, queue);
        Assert.Equal(queue, compiled.Variable("deliveriesQueueName"));
    }

    [Fact]
    public void Role_assignments_grant_only_data_roles_on_the_narrowest_scope()
    {
        var assignments = compiled.Resources("Microsoft.Authorization/roleAssignments")
            .Select(a => (Role: RoleId(a), Scope: (string)a["scope"]!))
            .ToList();

        Assert.All(assignments, a => Assert.Contains(a.Role, new[]
        {
            BlobDataContributor, BlobDataOwner, TableDataContributor, QueueDataContributor, KeyVaultSecretsUser, KeyVaultSecretsOfficer, MonitoringMetricsPublisher,
        }));

        // Data account: Blob Data Contributor on the evidence and deliveries containers only, never the account.
        var blob = assignments.Where(a => a.Role == BlobDataContributor).ToList();
        Assert.Equal(2, blob.Count);
        Assert.All(blob, a => Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', take(format('stfgd{0}'", a.Scope, StringComparison.Ordinal));
        Assert.Contains(blob, a => a.Scope.Contains("variables('evidenceContainerName')", StringComparison.Ordinal));

        // Tables and queues: each assignment is scoped to one table or queue.
        var table = assignments.Where(a => a.Role == TableDataContributor).ToList();
        Assert.Contains(table, a => a.Scope.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/tableServices/tables', take(format('stfgd{0}'", StringComparison.Ordinal));
        Assert.All(table.Where(a => a.Scope.Contains("stfgd", StringComparison.Ordinal)), a => Assert.Contains("tableServices/tables", a.Scope, StringComparison.Ordinal));
        var queue = Assert.Single(assignments, a => a.Role == QueueDataContributor);
        Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts/queueServices/queues', take(format('stfgd{0}'", queue.Scope, StringComparison.Ordinal);

        // The runtime's own account (stfgh) is the only one with Blob Data Owner; Key Vault: read secrets only.
        Assert.All(assignments.Where(a => a.Role == BlobDataOwner), a => Assert.StartsWith("[resourceId('Microsoft.Storage/storageAccounts', take(format('stfgh{0}'", a.Scope, StringComparison.Ordinal));
        Assert.Single(assignments, a => a.Role == KeyVaultSecretsUser && a.Scope.StartsWith("[resourceId('Microsoft.KeyVault/vaults'", StringComparison.Ordinal));
    }

    private Dictionary<string, string> AppSettings()
    {
        var config = Assert.Single(compiled.Resources("Microsoft.Web/sites/config"));
        Assert.EndsWith("'appsettings')]", (string)config["name"]!, StringComparison.Ordinal);
        return config["properties"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.ToString());
    }

    private JsonNode DataAccount() =>
        Assert.Single(compiled.Resources("Microsoft.Storage/storageAccounts"), a => ((string)a["name"]!).Contains("stfgd", StringComparison.Ordinal));

    private JsonNode Container(string nameVariable) =>
        Assert.Single(compiled.Resources("Microsoft.Storage/storageAccounts/blobServices/containers"), c => ((string)c["name"]!).Contains($"variables('{nameVariable}')", StringComparison.Ordinal));

    private string RoleId(JsonNode assignment)
    {
        var expression = (string)assignment["properties"]!["roleDefinitionId"]!;
        var match = RoleVariable().Match(expression);
        Assert.True(match.Success, $"roleDefinitionId {expression} names a role from variables('roles').");
        return (string)compiled.Template["variables"]!["roles"]![match.Groups[1].Value]!;
    }

    [GeneratedRegex(@"variables\('roles'\)\.(\w+)")]
    private static partial Regex RoleVariable();

    /// <summary>
    /// Every infra file linted and built once per test class, all Bicep processes at the same time (each one takes a
    /// few seconds to start): <c>bicep lint</c> and <c>bicep build</c> / <c>build-params</c> with <c>--stdout</c>.
    /// </summary>
    public sealed class Compiled : IAsyncLifetime
    {
        public Dictionary<string, (int ExitCode, string StdOut, string StdErr)> Lint { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (int ExitCode, string StdOut, string StdErr)> Build { get; } = new(StringComparer.Ordinal);

        public (int ExitCode, string StdOut, string StdErr) ScratchLint { get; private set; }

        public JsonObject Template => Parse(Build["main.bicep"], "main.bicep").AsObject();

        private string Scratch { get; } = TempDirectory.Create();

        public async Task InitializeAsync()
        {
            File.Copy(Path.Combine(BicepCli.InfraDirectory, "bicepconfig.json"), Path.Combine(Scratch, "bicepconfig.json"));
            await File.WriteAllTextAsync(Path.Combine(Scratch, "scratch.bicep"), "param unused string\n");
            var scratch = BicepCli.RunAsync("lint", Path.Combine(Scratch, "scratch.bicep"));

            var files = InfraFileNames();
            var lint = files.ToDictionary(f => f, f => BicepCli.RunAsync("lint", f));
            var build = files.ToDictionary(f => f, f => BicepCli.RunAsync(f.EndsWith(".bicepparam", StringComparison.Ordinal) ? "build-params" : "build", f, "--stdout"));
            await Task.WhenAll(lint.Values.Concat(build.Values).Append(scratch));
            foreach (var file in files)
            {
                Lint[file] = await lint[file];
                Build[file] = await build[file];
            }

            ScratchLint = await scratch;
        }

        public Task DisposeAsync()
        {
            TempDirectory.Delete(Scratch);
            return Task.CompletedTask;
        }

        /// <summary>The parameter values a .bicepparam file compiles to.</summary>
        public JsonObject Parameters(string file)
        {
            var parametersJson = (string)Parse(Build[file], file)["parametersJson"]!;
            return JsonNode.Parse(parametersJson)!["parameters"]!.AsObject();
        }

        public IReadOnlyList<JsonNode> Resources(string type) =>
            [.. Template["resources"]!.AsArray().Where(r => (string?)r!["type"] == type).Select(r => r!)];

        public string? Variable(string name) => (string?)Template["variables"]![name];

        private static JsonNode Parse((int ExitCode, string StdOut, string StdErr) result, string file)
        {
            Assert.True(result.ExitCode == 0, $"bicep could not build {file}:{Environment.NewLine}{result.StdErr}");
            return JsonNode.Parse(result.StdOut)!;
        }
    }
}
