using System.CommandLine;
using Coordination.Cli.Infrastructure;
using Coordination.Core.Common;
using Coordination.Core.Messaging;

namespace Coordination.Cli.Commands;

/// <summary><c>coordctl msg send|inbox|get|ack|thread</c>.</summary>
internal static class MessageCommands
{
    public static Command Build() => Verb.Group("msg", "Messages between agents (and to the human, 'user').", Send(), Inbox(), Get(), Ack(), Thread());

    private static Argument<string> MessageIdArgument() => new("message-id") { Description = "The message." };

    private static Command Send()
    {
        var to = new Argument<string>("to") { Description = "An agent id, 'user', or '*' for every member." };
        var content = new Argument<string>("content") { Description = "The text (up to 16 000 characters), or @file." };
        var category = new Option<string?>("--category") { Description = "A category (default info)." };
        var priority = new Option<int?>("--priority") { Description = "1–5, higher first (default 3)." };
        var subject = new Option<string?>("--subject") { Description = "A subject line." };
        var expiresInDays = new Option<int?>("--expires-in-days") { Description = "Hide the message after this many days (1–365)." };
        var parent = new Option<string?>("--parent-message-id") { Description = "Reply to this message (same thread)." };
        var payload = new Option<string?>("--payload") { Description = "Any JSON, as text or @file." };
        return Verb.Create("send", "Sends a message.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var message = await client.Messages.SendAsync(new SendMessageRequest(cli.Get(to)!, JsonInput.ReadText(cli.Get(content)!, "the content"),
                cli.Get(category), cli.Get(priority), cli.Get(subject), cli.Get(expiresInDays), cli.Get(parent), JsonInput.ParseOptional(cli.Get(payload), "--payload")), ct);
            cli.Output.Show(message, () => ShowMessage(cli.Output, message));
            return ExitCodes.Ok;
        }, to, content, category, priority, subject, expiresInDays, parent, payload);
    }

    private static Command Inbox()
    {
        var status = new Option<string?>("--status") { Description = "pending, delivered or acknowledged." };
        var category = new Option<string?>("--category") { Description = "Only this category." };
        var limit = new Option<int?>("--limit") { Description = "Page size (default 20)." };
        var includeBroadcast = new Option<bool?>("--include-broadcast") { Description = "Include messages to everyone (default true)." };
        var cursor = new Option<string?>("--cursor") { Description = "A previous page's nextCursor." };
        return Verb.Create("inbox", "Reads your inbox, highest priority and newest first (marks messages delivered).", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var page = await client.Messages.InboxAsync(cli.Get(status), cli.Get(category), cli.Get(limit), cli.Get(includeBroadcast), cli.Get(cursor), ct);
            cli.Output.Show(page, () => MessageTable(cli.Output, page));
            return ExitCodes.Ok;
        }, status, category, limit, includeBroadcast, cursor);
    }

    private static Command Get()
    {
        var messageId = MessageIdArgument();
        return Verb.Create("get", "Reads one message.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var message = await client.Messages.GetAsync(cli.Get(messageId)!, ct);
            cli.Output.Show(message, () => ShowMessage(cli.Output, message));
            return ExitCodes.Ok;
        }, messageId);
    }

    private static Command Ack()
    {
        var messageId = MessageIdArgument();
        return Verb.Create("ack", "Acknowledges a message sent to you.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var message = await client.Messages.AcknowledgeAsync(cli.Get(messageId)!, ct);
            cli.Output.Show(message, () => ShowMessage(cli.Output, message));
            return ExitCodes.Ok;
        }, messageId);
    }

    private static Command Thread()
    {
        var messageId = MessageIdArgument();
        var limit = new Option<int?>("--limit") { Description = "Page size (up to 500)." };
        var cursor = new Option<string?>("--cursor") { Description = "A previous page's nextCursor." };
        return Verb.Create("thread", "Shows the thread a message belongs to, in the order sent.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var page = await client.Messages.ThreadAsync(cli.Get(messageId)!, cli.Get(limit), cli.Get(cursor), ct);
            cli.Output.Show(page, () => MessageTable(cli.Output, page));
            return ExitCodes.Ok;
        }, messageId, limit, cursor);
    }

    private static void MessageTable(Output output, ListPage<MessageView> page)
    {
        output.Table(["message", "from", "to", "category", "priority", "subject", "content", "status", "sent"],
            page.Items.Select(m => new object?[] { m.MessageId, m.From, m.To, m.Category, m.Priority, m.Subject, m.Content, m.Status, m.SentAt }));
        if (page.HasMore)
        {
            Output.Note($"more: --cursor {page.NextCursor}");
        }
    }

    private static void ShowMessage(Output output, MessageView message) => output.Record(
        ("message", message.MessageId), ("from", message.From), ("to", message.To), ("category", message.Category), ("priority", message.Priority),
        ("subject", message.Subject), ("content", message.Content), ("payload", message.Payload), ("thread", message.ThreadId),
        ("status", message.Status), ("sent", message.SentAt));
}
