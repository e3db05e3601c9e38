using System.Collections;
using System.Reflection;
using System.Text;
using System.Text.Json;
using FinGuard.GitHub.Webhooks;

namespace FinGuard.GitHub.Tests.Webhooks;

/// <summary>
/// <see cref="WebhookPayloadParser.ParseForHandling"/> reads every recorded payload exactly as
/// <see cref="WebhookPayloadParser.Parse"/> does — every modelled value, and the payload's own unknown fields — except
/// that nested objects keep no unknown fields; and it gives the same outcome and error for any corrupted body.
/// </summary>
public sealed class WebhookPayloadParserForHandlingTests
{
    public static TheoryData<string, int, string> Examples => WebhookExampleCorpus.SupportedEventExamples();

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_reads_the_same_values_and_top_level_unknown_fields_but_no_nested_ones(string eventName, int index, string action)
    {
        var body = Encoding.UTF8.GetBytes(WebhookExampleCorpus.Get(eventName, index));

        var full = WebhookPayloadParser.Parse(eventName, body);
        var lean = WebhookPayloadParser.ParseForHandling(eventName, body);

        Assert.True(lean.IsParsed, $"{action}: {lean.Error}");
        Assert.True(full.IsParsed, full.Error);
        Assert.Equal(full.Payload!.GetType(), lean.Payload!.GetType());
        Assert.Equal(Raw(full.Payload.ExtensionData), Raw(lean.Payload.ExtensionData));
        AssertSameModelledValues(full.Payload, lean.Payload, "$");
        Assert.Empty(NestedExtensionData(lean.Payload, "$"));
        Assert.NotEmpty(NestedExtensionData(full.Payload, "$"));
    }

    [Fact]
    public void A_pull_request_delivery_keeps_changes_at_the_top_level()
    {
        // The handler decides "the base branch changed" from the top-level `changes` of an `edited` delivery.
        var body = """{"action":"edited","number":1,"changes":{"base":{"ref":{"from":"dev"}}},"pull_request":{"number":1,"head":{"ref":"f","sha":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},"base":{"ref":"main","sha":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},"_links":{"self":{"href":"x"}}}}"""u8;

        var lean = WebhookPayloadParser.ParseForHandling(WebhookEvents.PullRequest, body);

        var payload = Assert.IsType<PullRequestPayload>(lean.Payload);
        Assert.Equal("""{"base":{"ref":{"from":"dev"}}}""", payload.ExtensionData!["changes"].GetRawText());
        Assert.Null(payload.PullRequest.ExtensionData);
    }

    [Fact]
    public void Corrupted_real_payloads_give_the_same_outcome_and_error()
    {
        var random = new Random(11);
        foreach (var eventName in WebhookExampleCorpus.EventsWithExamples().Where(WebhookEvents.Supported.Contains))
        {
            foreach (var example in WebhookExampleCorpus.All(eventName))
            {
                var original = Encoding.UTF8.GetBytes(example);
                for (var attempt = 0; attempt < 20; attempt++)
                {
                    var body = WebhookPayloadParserMalformedTests.Corrupt(original, random);

                    var full = WebhookPayloadParser.Parse(eventName, body);
                    var lean = WebhookPayloadParser.ParseForHandling(eventName, body);

                    Assert.Equal(full.Status, lean.Status);
                    Assert.Equal(full.Error, lean.Error);
                }
            }
        }
    }

    private static Dictionary<string, string>? Raw(Dictionary<string, JsonElement>? extension) =>
        extension?.ToDictionary(e => e.Key, e => e.Value.GetRawText(), StringComparer.Ordinal);

    private static bool IsModel(Type type) => type.Namespace == typeof(WebhookPayload).Namespace && !type.IsEnum;

    private static IEnumerable<PropertyInfo> Modelled(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != nameof(WebhookPayload.ExtensionData) && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract");

    private static void AssertSameModelledValues(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: {expected ?? "null"} against {actual ?? "null"}");
            return;
        }

        var type = expected.GetType();
        Assert.Equal(type, actual.GetType());
        if (IsModel(type))
        {
            foreach (var property in Modelled(type))
            {
                AssertSameModelledValues(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            }
        }
        else if (expected is JsonElement element)
        {
            Assert.Equal(element.GetRawText(), ((JsonElement)actual).GetRawText());
        }
        else if (expected is IEnumerable list and not string)
        {
            var left = list.Cast<object?>().ToList();
            var right = ((IEnumerable)actual).Cast<object?>().ToList();
            Assert.Equal(left.Count, right.Count);
            for (var i = 0; i < left.Count; i++)
            {
                AssertSameModelledValues(left[i], right[i], $"{path}[{i}]");
            }
        }
        else
        {
            Assert.True(Equals(expected, actual), $"{path}: {expected} against {actual}");
        }
    }

    /// <summary>Paths of the nested model objects that hold unknown fields.</summary>
    private static List<string> NestedExtensionData(object payload, string path)
    {
        var found = new List<string>();
        void Visit(object? value, string at, bool nested)
        {
            if (value is null)
            {
                return;
            }

            var type = value.GetType();
            if (IsModel(type))
            {
                if (nested && type.GetProperty(nameof(WebhookPayload.ExtensionData))?.GetValue(value) is IDictionary { Count: > 0 })
                {
                    found.Add(at);
                }

                foreach (var property in Modelled(type))
                {
                    Visit(property.GetValue(value), $"{at}.{property.Name}", nested: true);
                }
            }
            else if (value is not JsonElement and not string and IEnumerable list)
            {
                var i = 0;
                foreach (var item in list)
                {
                    Visit(item, $"{at}[{i++}]", nested: true);
                }
            }
        }

        Visit(payload, path, nested: false);
        return found;
    }
}
