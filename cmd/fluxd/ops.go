package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fluxlife/flux/httpapi"
)

// rateLimit reads FLUX_RATE_PER_MINUTE and FLUX_RATE_BURST as
// httpapi.Config wants them: 0 in either turns the limits off (-1).
func (c *config) rateLimit() (perMinute float64, burst int, err error) {
	perMinute, err = strconv.ParseFloat(strings.TrimSpace(c.RatePerMinute), 64)
	if err != nil || perMinute < 0 || perMinute > 1e6 {
		return 0, 0, fmt.Errorf("FLUX_RATE_PER_MINUTE %q: want a number of calls a minute, 0 for no limit", c.RatePerMinute)
	}
	burst, err = strconv.Atoi(strings.TrimSpace(c.RateBurst))
	if err != nil || burst < 0 || burst > 1e6 {
		return 0, 0, fmt.Errorf("FLUX_RATE_BURST %q: want a whole number of calls, 0 for no limit", c.RateBurst)
	}
	if perMinute == 0 || burst == 0 {
		return -1, -1, nil
	}
	return perMinute, burst, nil
}

// paidProviders lists the paid providers configured, whose routes are rate
// limited (Twilio's come from the notification wiring, httpapi.Notify.Paid).
func paidProviders(llm, deepgram bool) []httpapi.Provider {
	var p []httpapi.Provider
	if llm {
		p = append(p, httpapi.ProviderLLM)
	}
	if deepgram {
		p = append(p, httpapi.ProviderDeepgram)
	}
	return p
}

// rateDesc is the capability line of the rate limits.
func rateDesc(c *config, paid []httpapi.Provider, twilio bool) string {
	perMinute, burst, _ := c.rateLimit()
	if perMinute < 0 {
		return "off (FLUX_RATE_PER_MINUTE or FLUX_RATE_BURST is 0)"
	}
	names := make([]string, 0, len(paid)+1)
	for _, p := range paid {
		names = append(names, string(p))
	}
	if twilio {
		names = append(names, string(httpapi.ProviderTwilio))
	}
	if len(names) == 0 {
		return "none needed (no paid provider configured)"
	}
	return fmt.Sprintf("%g a minute, burst %d, per user on each of %s", perMinute, burst, strings.Join(names, ", "))
}

// paidTwilio reports whether a notification channel costs money.
func paidTwilio(n *httpapi.Notify) bool {
	if n == nil {
		return false
	}
	for _, p := range n.Paid {
		if p {
			return true
		}
	}
	return false
}
