package twilio_test

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fluxlife/flux/fluxtest"
	"github.com/fluxlife/flux/notify/twilio"
)

func TestCallTwiMLDocument(t *testing.T) {
	t.Parallel()
	got := string(twilio.CallTwiML(twilio.CallScript{Title: "Evening run", GatherAction: "https://flux.example.com/notifications/call/gather?notification_id=n1"}))
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Response><Gather numDigits="1" action="https://flux.example.com/notifications/call/gather?notification_id=n1" method="POST" timeout="10">` +
		`<Say voice="alice" language="en-US">Hi! This is Flux. Your task Evening run is due. Press 1 if it is done, 2 to reschedule, or 3 if you missed it.</Say></Gather>` +
		`<Say voice="alice" language="en-US">We did not receive your input. Goodbye.</Say></Response>`
	if got != want {
		t.Errorf("CallTwiML:\n got %s\nwant %s", got, want)
	}
}

func TestCallTwiMLHostileText(t *testing.T) {
	t.Parallel()
	titles := []string{
		`<Mom> & "Dad" ]]>`,
		`Call <Mom> & "Dad" ' ]]> </Say><Hangup/>`,
		`</Say></Gather><Dial>+15551234567</Dial><Say>`,
		`<![CDATA[x]]> &amp; &#60; <?pi?> <!-- c -->`,
		"Ünïcødé ✓ — 日本語 🎯",
	}
	for _, title := range titles {
		s := twilio.CallScript{Title: title, Body: "Bring <b>shoes</b> & water\nsecond line", GatherAction: `https://flux.example.com/g?a=1&b="2"`}
		b := twilio.CallTwiML(s)
		tw, err := fluxtest.ParseTwiML(b)
		if err != nil {
			t.Fatalf("title %q: %v\n%s", title, err, b)
		}
		var names []string
		for _, v := range tw.Verbs {
			names = append(names, v.Name)
		}
		if diff := cmp.Diff([]string{"Gather", "Say"}, names); diff != "" {
			t.Errorf("title %q: verbs (-want +got):\n%s\n%s", title, diff, b)
		}
		if diff := cmp.Diff([]string{s.Prompt(), twilio.NoInputText}, tw.Says()); diff != "" {
			t.Errorf("title %q: Say texts (-want +got):\n%s", title, diff)
		}
		if !strings.Contains(s.Prompt(), "Your task "+title+" is due. Bring <b>shoes</b> & water\nsecond line. Press 1") {
			t.Errorf("prompt %q", s.Prompt())
		}
		g, _ := tw.Gather()
		if g.Attrs["action"] != s.GatherAction || g.Attrs["numDigits"] != "1" || g.Attrs["method"] != "POST" || g.Attrs["timeout"] != "10" {
			t.Errorf("gather attributes %v", g.Attrs)
		}
		// encoding/xml reads the same text back.
		var doc struct {
			Gather struct {
				Say struct {
					Voice string `xml:"voice,attr"`
					Text  string `xml:",chardata"`
				} `xml:"Say"`
			} `xml:"Gather"`
		}
		if err := xml.Unmarshal(b, &doc); err != nil || doc.Gather.Say.Text != s.Prompt() || doc.Gather.Say.Voice != "alice" {
			t.Errorf("title %q: decoded %+v, %v", title, doc, err)
		}
	}
}

func TestCallScriptPrompt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    twilio.CallScript
		want string
	}{
		{twilio.CallScript{}, "Hi! This is Flux. Your task is due. Press 1 if it is done, 2 to reschedule, or 3 if you missed it."},
		{twilio.CallScript{Title: "Run", Body: "5 km easy!"}, "Hi! This is Flux. Your task Run is due. 5 km easy! Press 1 if it is done, 2 to reschedule, or 3 if you missed it."},
		{twilio.CallScript{Title: "Run", Body: "5 km easy"}, "Hi! This is Flux. Your task Run is due. 5 km easy. Press 1 if it is done, 2 to reschedule, or 3 if you missed it."},
	}
	for _, tc := range tests {
		if got := tc.s.Prompt(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestSayAndMessageTwiML(t *testing.T) {
	t.Parallel()
	const decl = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	tests := []struct{ got, want string }{
		{string(twilio.SayTwiML("Thank you. Goodbye.", true)), decl + `<Response><Say voice="alice" language="en-US">Thank you. Goodbye.</Say><Hangup></Hangup></Response>`},
		{string(twilio.SayTwiML("a < b & c", false)), decl + `<Response><Say voice="alice" language="en-US">a &lt; b &amp; c</Say></Response>`},
		{string(twilio.MessageTwiML("Great work! Task marked as done.")), decl + `<Response><Message>Great work! Task marked as done.</Message></Response>`},
		{string(twilio.MessageTwiML("")), decl + `<Response/>`},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got  %s\nwant %s", tc.got, tc.want)
		}
	}
	hostile := "</Message><Redirect>https://evil.example</Redirect> & ]]>"
	tw, err := fluxtest.ParseTwiML(twilio.MessageTwiML(hostile))
	if err != nil || len(tw.Verbs) != 1 || tw.Messages()[0] != hostile {
		t.Errorf("hostile reply: %+v, %v", tw, err)
	}
	tw, err = fluxtest.ParseTwiML(twilio.SayTwiML(hostile, true))
	if err != nil || len(tw.Verbs) != 2 || tw.Says()[0] != hostile || !tw.Hangup() {
		t.Errorf("hostile say: %+v, %v", tw, err)
	}
}
