using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FinGuard.Tests.Setup;

/// <summary>Reads the parts of a setup page (served HTML or a browser's DOM dump) the tests look at.</summary>
internal static class SetupPage
{
    public static string FormAction(string html, string formId = "manifest-form") =>
        WebUtility.HtmlDecode(Attribute(Element(html, "form", formId), "action"));

    public static JsonObject Manifest(string html) =>
        JsonNode.Parse(WebUtility.HtmlDecode(Attribute(Element(html, "input", "manifest"), "value")))!.AsObject();

    public static string State(string html) =>
        Uri.UnescapeDataString(FormAction(html).Split("?state=", 2)[1]);

    public static string Text(string html, string id)
    {
        var match = Regex.Match(html, $"<(?<tag>\\w+)[^>]*\\bid=\"{Regex.Escape(id)}\"[^>]*>(?<text>.*?)</\\k<tag>>", RegexOptions.Singleline);
        Assert.True(match.Success, $"No element #{id} in:{Environment.NewLine}{html}");
        return WebUtility.HtmlDecode(match.Groups["text"].Value);
    }

    private static string Element(string html, string tag, string id)
    {
        var match = Regex.Match(html, $"<{tag}\\b[^>]*\\bid=\"{Regex.Escape(id)}\"[^>]*>", RegexOptions.Singleline);
        Assert.True(match.Success, $"No <{tag} id=\"{id}\"> in:{Environment.NewLine}{html}");
        return match.Value;
    }

    private static string Attribute(string element, string name)
    {
        var match = Regex.Match(element, $"\\b{name}=\"(?<value>[^\"]*)\"");
        Assert.True(match.Success, $"No {name} attribute on {element}");
        return match.Groups["value"].Value;
    }
}
