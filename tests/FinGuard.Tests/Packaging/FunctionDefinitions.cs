using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FinGuard.Tests.Packaging;

/// <summary>One <c>&lt;Name&gt;/function.json</c>: the function name is its folder's name.</summary>
internal sealed record FunctionDefinition(string Name, string Path, JsonObject Json)
{
    public IReadOnlyList<JsonObject> Bindings => [.. Json["bindings"]!.AsArray().Select(b => b!.AsObject())];

    public JsonObject Trigger => Bindings.Single(b => ((string)b["type"]!).EndsWith("Trigger", StringComparison.Ordinal));

    public string TriggerType => (string)Trigger["type"]!;

    public bool IsHttp => TriggerType == "httpTrigger";
}

/// <summary>Reads and checks a function-app folder's <c>host.json</c> and <c>function.json</c> files.</summary>
internal static partial class FunctionDefinitions
{
    private static readonly HashSet<string> Directions = new(StringComparer.Ordinal) { "in", "out", "inout" };

    /// <summary>Every <c>&lt;dir&gt;/&lt;Name&gt;/function.json</c> directly under <paramref name="root"/>.</summary>
    public static IReadOnlyList<FunctionDefinition> Load(string root) =>
        [.. Directory.EnumerateDirectories(root)
            .Select(d => System.IO.Path.Combine(d, "function.json"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .Select(path => new FunctionDefinition(
                System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(path))!,
                path,
                JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Disallow }) as JsonObject
                    ?? throw new InvalidDataException($"{path} is not a JSON object.")))];

    /// <summary>Problems with one definition, empty when it is valid for FinGuard's custom handler.</summary>
    public static IReadOnlyList<string> Problems(FunctionDefinition function)
    {
        var problems = new List<string>();
        void Problem(string text) => problems.Add($"{function.Name}/function.json: {text}");

        if (function.Json["bindings"] is not JsonArray bindings || bindings.Count == 0)
        {
            Problem("has no bindings array.");
            return problems;
        }

        foreach (var binding in bindings)
        {
            if (binding is not JsonObject b
                || b["type"]?.GetValueKind() != JsonValueKind.String
                || b["name"]?.GetValueKind() != JsonValueKind.String
                || b["direction"] is not JsonValue direction || !Directions.Contains((string)direction!))
            {
                Problem($"binding {binding?.ToJsonString()} needs a string type and name and a direction of in/out/inout.");
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        var triggers = function.Bindings.Where(b => ((string)b["type"]!).EndsWith("Trigger", StringComparison.Ordinal)).ToList();
        if (triggers.Count != 1 || (string)triggers[0]["direction"]! != "in")
        {
            Problem("needs exactly one trigger binding, direction in.");
            return problems;
        }

        var trigger = triggers[0];
        switch ((string)trigger["type"]!)
        {
            case "httpTrigger":
                if ((string?)trigger["authLevel"] != "anonymous")
                {
                    Problem("GitHub cannot send function keys: the HTTP trigger is anonymous (FinGuard authenticates webhooks by signature).");
                }

                if (trigger["route"]?.GetValueKind() != JsonValueKind.String || trigger["methods"] is not JsonArray { Count: > 0 })
                {
                    Problem("the HTTP trigger needs a route and methods.");
                }

                // enableForwardingHttpRequest applies only to functions with nothing but an HTTP trigger and HTTP output.
                if (function.Bindings.Count != 2 || !function.Bindings.Any(b => (string)b["type"]! == "http" && (string)b["direction"]! == "out"))
                {
                    Problem("an HTTP function has exactly an httpTrigger and an http output, so the host forwards the request unchanged.");
                }

                break;
            case "queueTrigger":
                if (trigger["queueName"]?.GetValueKind() != JsonValueKind.String || trigger["connection"]?.GetValueKind() != JsonValueKind.String)
                {
                    Problem("the queue trigger needs queueName and connection (the app-setting prefix of the storage connection).");
                }

                break;
            case "timerTrigger":
                var schedule = (string?)trigger["schedule"];
                if (schedule is null || !IsNcrontab(schedule))
                {
                    Problem($"schedule '{schedule}' is not a six-field NCRONTAB expression ({{second}} {{minute}} {{hour}} {{day}} {{month}} {{day-of-week}}).");
                }

                if (trigger["runOnStartup"] is JsonValue run && run.GetValue<bool>())
                {
                    Problem("runOnStartup would run the job on every scale-out; it stays false.");
                }

                break;
            default:
                Problem($"unexpected trigger type {(string)trigger["type"]!}.");
                break;
        }

        return problems;
    }

    /// <summary>A six-field NCRONTAB expression as the Functions timer trigger takes it.</summary>
    public static bool IsNcrontab(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 6)
        {
            return false;
        }

        (int Min, int Max)[] ranges = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6)];
        for (var i = 0; i < 6; i++)
        {
            foreach (var part in fields[i].Split(','))
            {
                var match = CronPart().Match(part);
                if (!match.Success)
                {
                    return false;
                }

                var (min, max) = ranges[i];
                bool InRange(Group g) => !g.Success || (int.Parse(g.Value, System.Globalization.CultureInfo.InvariantCulture) is var n && n >= min && n <= max);
                if (!InRange(match.Groups["from"]) || !InRange(match.Groups["to"])
                    || (match.Groups["step"].Success && int.Parse(match.Groups["step"].Value, System.Globalization.CultureInfo.InvariantCulture) is < 1 or > 59))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [GeneratedRegex(@"^(?:\*|(?<from>\d{1,2})(?:-(?<to>\d{1,2}))?)(?:/(?<step>\d{1,2}))?$")]
    private static partial Regex CronPart();
}
