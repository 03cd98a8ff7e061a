package twilio

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// The voice and language of every Say, as the original system had them.
const (
	sayVoice    = "alice"
	sayLanguage = "en-US"
)

// CallScript is what a reminder call says.
type CallScript struct {
	// Title is the task's title, spoken as given.
	Title string
	// Body, when not empty, is said after the title.
	Body string
	// GatherAction is the absolute URL Twilio posts the digit pressed to
	// (usually WebhookBaseURL + CallGatherPath with the notification id);
	// empty means the URL of the TwiML document itself.
	GatherAction string
}

// Prompt returns the sentence the call says inside its Gather: "Hi! This
// is Flux. Your task <Title> is due. [<Body>] Press 1 if it is done, 2 to
// reschedule, or 3 if you missed it."
func (s CallScript) Prompt() string {
	var b strings.Builder
	b.WriteString("Hi! This is Flux. ")
	if t := strings.TrimSpace(s.Title); t != "" {
		b.WriteString("Your task " + t + " is due. ")
	} else {
		b.WriteString("Your task is due. ")
	}
	if body := strings.TrimSpace(s.Body); body != "" {
		b.WriteString(body)
		if !strings.HasSuffix(body, ".") && !strings.HasSuffix(body, "!") && !strings.HasSuffix(body, "?") {
			b.WriteString(".")
		}
		b.WriteString(" ")
	}
	b.WriteString("Press 1 if it is done, 2 to reschedule, or 3 if you missed it.")
	return b.String()
}

// NoInputText is what a reminder call says when no digit was pressed.
const NoInputText = "We did not receive your input. Goodbye."

// The TwiML vocabulary this package writes. encoding/xml escapes every
// text and attribute, so no title can close a Say or add a verb.
type (
	twimlResponse struct {
		XMLName xml.Name      `xml:"Response"`
		Gather  *twimlGather  `xml:"Gather,omitempty"`
		Say     []twimlSay    `xml:"Say,omitempty"`
		Message *twimlMessage `xml:"Message,omitempty"`
		Hangup  *struct{}     `xml:"Hangup,omitempty"`
	}
	twimlGather struct {
		NumDigits string   `xml:"numDigits,attr"`
		Action    string   `xml:"action,attr,omitempty"`
		Method    string   `xml:"method,attr"`
		Timeout   string   `xml:"timeout,attr"`
		Say       twimlSay `xml:"Say"`
	}
	twimlSay struct {
		Voice    string `xml:"voice,attr"`
		Language string `xml:"language,attr"`
		Text     string `xml:",chardata"`
	}
	twimlMessage struct {
		Text string `xml:",chardata"`
	}
)

func say(text string) twimlSay {
	return twimlSay{Voice: sayVoice, Language: sayLanguage, Text: text}
}

// marshalTwiML writes the XML declaration and r.
func marshalTwiML(r twimlResponse) []byte {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	// Encoding these string-only structs cannot fail; text that is not
	// valid XML (control characters, bad UTF-8) is replaced by U+FFFD.
	if err := xml.NewEncoder(&buf).Encode(r); err != nil {
		panic("twilio: encoding TwiML: " + err.Error())
	}
	return buf.Bytes()
}

// CallTwiML returns the TwiML a reminder call is answered with: a Gather of
// one digit (timeout 10 s, posted to s.GatherAction) around a Say of
// s.Prompt(), then a Say of NoInputText for when nothing was pressed.
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	<Response><Gather numDigits="1" action="…" method="POST" timeout="10"><Say voice="alice" language="en-US">Hi! This is Flux. Your task … is due. Press 1 if it is done, 2 to reschedule, or 3 if you missed it.</Say></Gather><Say voice="alice" language="en-US">We did not receive your input. Goodbye.</Say></Response>
func CallTwiML(s CallScript) []byte {
	return marshalTwiML(twimlResponse{
		Gather: &twimlGather{NumDigits: "1", Action: s.GatherAction, Method: "POST", Timeout: "10", Say: say(s.Prompt())},
		Say:    []twimlSay{say(NoInputText)},
	})
}

// SayTwiML returns TwiML that says text and, when hangup is set, hangs up:
// the answer to a Gather's digits. An empty text says nothing.
func SayTwiML(text string, hangup bool) []byte {
	r := twimlResponse{}
	if text != "" {
		r.Say = []twimlSay{say(text)}
	}
	if hangup {
		r.Hangup = &struct{}{}
	}
	return marshalTwiML(r)
}

// MessageTwiML returns TwiML that replies text to an incoming WhatsApp
// message, <Response><Message>text</Message></Response>, or an empty
// <Response/> (no reply) when text is "".
func MessageTwiML(text string) []byte {
	if text == "" {
		return []byte(xml.Header + "<Response/>")
	}
	return marshalTwiML(twimlResponse{Message: &twimlMessage{Text: text}})
}
