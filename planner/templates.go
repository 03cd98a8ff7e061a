package planner

import "github.com/fluxlife/flux"

// slot is the kind of time a task wants; the offline planner turns it into
// a TimeOfDay from the user's chronotype and stated preferences.
type slot int

const (
	slotActive  slot = iota // exercise: morning, or evening for evening types
	slotFocus               // concentrated work outside work hours
	slotLight               // light, short, usually evening
	slotWeekend             // a long weekend session
	slotWork                // career work that may sit inside work hours
	slotMorning             // must be in the morning (wake-up routines)
	slotEvening             // must be in the evening (wind-down routines)
)

// when says in which milestones a track appears besides its progress window.
type when int

const (
	always    when = iota
	notFinal       // every milestone but the last
	finalOnly      // the last milestone only
	firstOnly      // the first milestone only
)

// track is a task template: a kind of task that recurs across milestones
// with amounts that grow from the first milestone to the last.
//
// title and desc may use {min} (the session's minutes), {n} (the scaled
// amount), {lang}, {instrument}, {race}, {equipment} and {pace} (the weekly
// amount to save, or nothing).
type track struct {
	title string
	desc  string
	min   [2]int // minutes in the first and in the last milestone
	n     [2]int // the amount {n} in the first and in the last milestone
	// days is "" for a one-off task, "DAILY", or BYDAY days ("MO,WE,FR");
	// days2, when set, replaces it from half-way through the plan.
	days, days2 string
	slot        slot
	prio        flux.Priority
	// from and to bound the plan progress (0 at the first milestone, 1 at
	// the last) in which the track appears; to == 0 means 1.
	from, to float64
	when     when
	// taper multiplies the minutes in the last milestone (0: no taper).
	taper float64
}

// template is the offline plan of one domain variant.
type template struct {
	domain  string
	variant string
	label   string   // "running", "language learning": for the summary
	stages  []string // milestone names by progress; the last names the final one
	tracks  []track
}

const (
	std  = flux.PriorityStandard
	imp  = flux.PriorityImportant
	must = flux.PriorityMustNotMiss
)

var templates = []template{
	// Running.
	{
		domain: DomainRunning, variant: "race", label: "running",
		stages: []string{"Build the running habit", "Build endurance", "Add some speed", "Peak training", "Taper and race"},
		tracks: []track{
			{title: "Easy run — {min} min", desc: "Run at a conversational pace: you should be able to speak in full sentences. Walk breaks are fine.", min: [2]int{20, 0}, days: "TU,TH", slot: slotActive, prio: imp, taper: 0.6},
			{title: "Long run — {min} min", desc: "Your longest run of the week, slow and steady. Add time gradually; never more than about 10% a week.", min: [2]int{30, 0}, days: "SA", slot: slotWeekend, prio: imp, when: notFinal},
			{title: "Intervals: {n} × 2 min faster, 2 min easy", desc: "Warm up 10 minutes, then alternate 2 minutes at a comfortably hard pace with 2 minutes easy; cool down 5 minutes.", min: [2]int{30, 45}, n: [2]int{4, 8}, days: "FR", slot: slotActive, prio: std, from: 0.3, to: 0.9, when: notFinal},
			{title: "Strength and mobility for runners — {min} min", desc: "Squats, lunges, calf raises, glute bridges and planks, then hip and ankle mobility. Keeps injuries away.", min: [2]int{15, 25}, days: "MO", slot: slotLight, prio: std, when: notFinal},
			{title: "Weekly check-in: log your runs and how your legs feel", desc: "Note distance, time and any aches. Persistent pain means rest, not pushing through.", min: [2]int{10, 10}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Shakeout run — 15 min easy", desc: "Two days before the race: a short, relaxed run to stay loose. Lay out your kit the night before.", min: [2]int{15, 15}, days: "", slot: slotActive, prio: std, when: finalOnly},
			{title: "Race day: run your {race}", desc: "Start slower than you think, settle into your pace, and enjoy it. Eat a familiar breakfast 2–3 hours before.", min: [2]int{0, 0}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Language learning.
	{
		domain: DomainLanguage, variant: "", label: "language-learning",
		stages: []string{"Sounds and survival phrases", "Everyday conversations", "Grow your vocabulary", "Real conversations", "Conversation check"},
		tracks: []track{
			{title: "{lang} vocabulary: {n} new words with spaced repetition", desc: "Use a flashcard app (Anki or similar); review due cards first, then add new words. Say each word aloud.", min: [2]int{15, 20}, n: [2]int{5, 10}, days: "DAILY", slot: slotLight, prio: std},
			{title: "{lang} lesson or course unit — {min} min", desc: "Work through the next unit of one course or textbook; do the exercises, don't just read.", min: [2]int{30, 45}, days: "MO,WE,FR", slot: slotFocus, prio: imp},
			{title: "Shadowing: repeat {lang} dialogues aloud — {min} min", desc: "Play a short dialogue, pause, and repeat it aloud copying the rhythm and sounds.", min: [2]int{10, 15}, days: "TU,TH", slot: slotLight, prio: std, to: 0.3, when: notFinal},
			{title: "Conversation practice with a tutor or exchange partner — {min} min", desc: "Book a session (italki, Tandem, a local meetup). Prepare three things to talk about; note words you were missing.", min: [2]int{30, 60}, days: "SA", slot: slotWeekend, prio: imp, from: 0.31, when: notFinal},
			{title: "Listen to {lang} audio — {min} min", desc: "A podcast, series or YouTube channel for learners; switch to native content when it gets easy.", min: [2]int{15, 30}, days: "TU,TH", slot: slotLight, prio: std, from: 0.31},
			{title: "Weekly review: revise mistakes and pick next week's topics", desc: "Go through your notes from the week, re-learn the words you missed, and choose topics for next week.", min: [2]int{20, 20}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Milestone check: a 20-minute conversation in {lang}", desc: "Hold a full conversation with a tutor or partner without switching languages. Note what still feels hard.", min: [2]int{30, 30}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Fitness: weight loss.
	{
		domain: DomainFitness, variant: "weightloss", label: "fitness and weight-loss",
		stages: []string{"Foundation", "Building momentum", "Increasing intensity", "Consistency", "Final push and check-in"},
		tracks: []track{
			{title: "Brisk walk — {min} min", desc: "Walk fast enough to breathe harder but still talk. Add a few minutes each week.", min: [2]int{20, 40}, days: "MO,WE,FR", days2: "MO,TU,WE,TH,FR", slot: slotActive, prio: std},
			{title: "Full-body strength session — {min} min", desc: "{equipment} Two or three sets of each exercise; stop two reps before failure; add reps or weight when it gets easy.", min: [2]int{25, 45}, days: "TU,SA", days2: "TU,TH,SA", slot: slotActive, prio: imp},
			{title: "Plan and prep meals for the week — {min} min", desc: "Plan meals built around protein and vegetables, shop once, and prep lunches so the easy choice is the healthy one.", min: [2]int{45, 60}, days: "SU", slot: slotWeekend, prio: std},
			{title: "Log meals and water in a food journal", desc: "Write down what you eat and drink today; no judging, just noticing patterns.", min: [2]int{5, 5}, days: "DAILY", slot: slotLight, prio: std, to: 0.39},
			{title: "Cardio intervals — {min} min", desc: "Cycling, rowing, brisk incline walking or jogging: alternate 1 minute hard with 2 minutes easy.", min: [2]int{20, 30}, days: "TH", slot: slotActive, prio: std, from: 0.4},
			{title: "Weekly check-in: weigh-in, measurements and review", desc: "Same day, same time, same scale. Look at the trend over weeks, not single days.", min: [2]int{15, 15}, days: "SU", slot: slotMorning, prio: std, when: notFinal},
			{title: "Final check-in: measurements, photos and a maintenance plan", desc: "Compare with week 1 and decide which habits you keep for good.", min: [2]int{30, 30}, days: "", slot: slotMorning, prio: must, when: finalOnly},
		},
	},
	// Fitness: strength.
	{
		domain: DomainFitness, variant: "strength", label: "strength",
		stages: []string{"Learn the movements", "Build volume", "Progressive overload", "Heavier and stronger", "Retest"},
		tracks: []track{
			{title: "Strength training — {min} min", desc: "{equipment} Squat, hinge, push, pull and carry. Log weights and reps; add a little weight or a rep each week.", min: [2]int{40, 60}, days: "MO,WE,FR", slot: slotActive, prio: imp},
			{title: "Mobility and warm-up routine — {min} min", desc: "Hips, shoulders and upper back; also use it as your warm-up before lifting.", min: [2]int{10, 15}, days: "TU,TH", slot: slotLight, prio: std},
			{title: "Light cardio — {min} min", desc: "An easy walk, ride or swim to help recovery.", min: [2]int{20, 30}, days: "SA", slot: slotWeekend, prio: std},
			{title: "Protein with every meal — log it", desc: "Aim for roughly 1.6 g of protein per kg of body weight a day, spread over your meals.", min: [2]int{5, 5}, days: "DAILY", slot: slotLight, prio: std, to: 0.5},
			{title: "Log your lifts and plan next week's weights", desc: "Review your training log and set next week's targets.", min: [2]int{15, 15}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Test day: retest your key lifts or rep maxes", desc: "Warm up well and test the benchmarks from week 1. Compare and celebrate.", min: [2]int{60, 60}, days: "", slot: slotActive, prio: must, when: finalOnly},
		},
	},
	// Fitness: general.
	{
		domain: DomainFitness, variant: "", label: "fitness",
		stages: []string{"Foundation", "Building momentum", "Increasing intensity", "Consistency", "Retest and keep going"},
		tracks: []track{
			{title: "Workout: strength and cardio — {min} min", desc: "{equipment} Circuit of squats, push-ups, rows, lunges and planks, then 5–10 minutes of cardio.", min: [2]int{25, 45}, days: "MO,WE,FR", slot: slotActive, prio: imp},
			{title: "Walk or easy cardio — {min} min", desc: "Keep it easy: you should be able to hold a conversation.", min: [2]int{20, 40}, days: "TU,TH", slot: slotActive, prio: std},
			{title: "Stretching and mobility — {min} min", desc: "Hips, hamstrings, shoulders; hold each stretch 30 seconds.", min: [2]int{10, 15}, days: "SA", slot: slotWeekend, prio: std},
			{title: "Benchmark workout: record reps and times", desc: "Do a simple test (max push-ups, plank time, a timed walk or run) to compare against later.", min: [2]int{20, 20}, days: "", slot: slotActive, prio: imp, when: firstOnly},
			{title: "Weekly check-in: log workouts and energy", desc: "Which sessions did you do, how did they feel, what will you change next week?", min: [2]int{10, 10}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Retest the week-1 benchmark workout", desc: "Repeat the same test and compare. Decide what routine you'll keep.", min: [2]int{20, 20}, days: "", slot: slotActive, prio: must, when: finalOnly},
		},
	},
	// Study: exams and certifications.
	{
		domain: DomainStudy, variant: "exam", label: "exam preparation",
		stages: []string{"Map the syllabus", "Learn the core topics", "Practice under pressure", "Close the gaps", "Final revision and exam"},
		tracks: []track{
			{title: "Study block: one syllabus topic — {min} min", desc: "Phone away, one topic only. End by writing the three key points from memory.", min: [2]int{45, 75}, days: "MO,TU,TH", slot: slotFocus, prio: imp},
			{title: "Active recall with flashcards — {min} min", desc: "Test yourself instead of rereading; put the cards you miss back in the pile.", min: [2]int{15, 20}, days: "DAILY", slot: slotLight, prio: std},
			{title: "Practice questions: {n} questions, then review every mistake", desc: "Work through past-paper or practice questions; for each mistake write down why.", min: [2]int{30, 60}, n: [2]int{10, 30}, days: "WE,SA", slot: slotFocus, prio: std, to: 0.49},
			{title: "Timed practice exam under real conditions", desc: "Full length, timed, no notes. Mark it the same day and list your weakest topics.", min: [2]int{120, 180}, days: "SA", slot: slotWeekend, prio: imp, from: 0.5, when: notFinal},
			{title: "Weekly review: mark weak topics and plan next week", desc: "Update your syllabus map: green, amber, red. Next week starts with the reds.", min: [2]int{20, 20}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Exam day", desc: "Sleep well the night before, arrive early, read every question twice.", min: [2]int{180, 180}, days: "", slot: slotMorning, prio: must, when: finalOnly},
		},
	},
	// Study: programming.
	{
		domain: DomainStudy, variant: "coding", label: "programming",
		stages: []string{"Set up and first steps", "Core concepts", "Build something", "Grow the project", "Ship it"},
		tracks: []track{
			{title: "Course or tutorial — {min} min", desc: "Follow one course; type every example yourself rather than copying it.", min: [2]int{45, 45}, days: "MO,WE", slot: slotFocus, prio: imp},
			{title: "Coding exercises — {min} min", desc: "Small exercises (Exercism, Advent of Code, course exercises) on what you learnt this week.", min: [2]int{30, 45}, days: "TU,TH", slot: slotFocus, prio: std},
			{title: "Set up your tools and write a first small program", desc: "Install the language and an editor, run a hello-world, and put it in a Git repository.", min: [2]int{60, 60}, days: "", slot: slotWeekend, prio: imp, when: firstOnly},
			{title: "Project work: build the next feature — {min} min", desc: "Pick a small project you care about and add one feature per session.", min: [2]int{60, 120}, days: "SA", slot: slotWeekend, prio: imp, from: 0.2},
			{title: "Weekly review: commit, write notes, choose next goals", desc: "Push your code, write down what you learnt and what confused you, choose next week's topics.", min: [2]int{20, 20}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Ship it: finish and share your project", desc: "Write a README, publish the code, and show it to someone.", min: [2]int{120, 120}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Study: reading.
	{
		domain: DomainStudy, variant: "reading", label: "reading",
		stages: []string{"Make room for reading", "Build the habit", "Read deeper", "Keep the streak", "Finish and reflect"},
		tracks: []track{
			{title: "Read — {min} min", desc: "Same time every day; keep the book where you'll see it and your phone in another room.", min: [2]int{20, 40}, days: "DAILY", slot: slotLight, prio: imp},
			{title: "Write down three ideas from today's reading", desc: "A notebook or a notes app; one line per idea is enough.", min: [2]int{5, 10}, days: "TU,TH,SA", slot: slotLight, prio: std},
			{title: "Pick and queue your next books", desc: "Keep the next two books ready so you never stall between books.", min: [2]int{15, 15}, days: "SA", slot: slotWeekend, prio: std, when: notFinal},
			{title: "Weekly review: pages read and what stuck", desc: "Count your pages, reread your notes, adjust daily minutes if you fell behind.", min: [2]int{15, 15}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Finish your current book and write a short review", desc: "Half a page: what it argued, what you'll keep, who should read it.", min: [2]int{45, 45}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Study: general.
	{
		domain: DomainStudy, variant: "", label: "study",
		stages: []string{"Plan and get started", "Learn the fundamentals", "Practice and apply", "Deepen and review", "Final self-test"},
		tracks: []track{
			{title: "Focused study session — {min} min", desc: "One topic, phone away. Finish by summarising from memory what you learnt.", min: [2]int{30, 60}, days: "MO,WE,FR", slot: slotFocus, prio: imp},
			{title: "Practice: apply what you learnt — {min} min", desc: "Exercises, problems or a small project that uses this week's material.", min: [2]int{30, 45}, days: "TU,TH", slot: slotFocus, prio: std},
			{title: "Spaced review of earlier material — {min} min", desc: "Quiz yourself on previous weeks' topics before they fade.", min: [2]int{20, 30}, days: "SA", slot: slotWeekend, prio: std},
			{title: "Weekly review: what you covered and what's next", desc: "Check progress against your plan and pick next week's topics.", min: [2]int{20, 20}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Final self-test on everything covered", desc: "Test yourself without notes on every topic; list what to revisit.", min: [2]int{60, 60}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Career: job search.
	{
		domain: DomainCareer, variant: "jobsearch", label: "job-search",
		stages: []string{"Get your materials ready", "Build your pipeline", "Interviews and follow-ups", "Keep the pipeline full", "Decide and move"},
		tracks: []track{
			{title: "Update your resume and LinkedIn profile", desc: "Lead with results and numbers; match the keywords of the roles you want.", min: [2]int{90, 90}, days: "", slot: slotFocus, prio: imp, when: firstOnly},
			{title: "Research target companies — {min} min", desc: "List companies you'd like to work for, the roles they hire for, and people you know there.", min: [2]int{30, 30}, days: "WE", slot: slotFocus, prio: std, to: 0.5},
			{title: "Tailor and send {n} applications", desc: "Adapt your resume and a short note to each role; quality beats volume.", min: [2]int{45, 60}, n: [2]int{2, 4}, days: "TU,TH", slot: slotFocus, prio: imp},
			{title: "Networking: reach out to {n} people", desc: "Former colleagues, alumni, people at target companies: ask for a 15-minute chat, not a job.", min: [2]int{30, 30}, n: [2]int{2, 5}, days: "MO", slot: slotFocus, prio: std},
			{title: "Interview practice — {min} min", desc: "Practise answers aloud (STAR format) or do a mock interview with a friend.", min: [2]int{30, 60}, days: "SA", slot: slotWeekend, prio: std, from: 0.3},
			{title: "Weekly review: track applications and follow-ups", desc: "Update your tracker; follow up on anything older than a week.", min: [2]int{20, 20}, days: "FR", slot: slotLight, prio: std, when: notFinal},
			{title: "Review offers and pipeline; decide your next steps", desc: "Compare options against what matters to you and follow up on every open application.", min: [2]int{45, 45}, days: "", slot: slotFocus, prio: must, when: finalOnly},
		},
	},
	// Career: promotion and growth.
	{
		domain: DomainCareer, variant: "promotion", label: "career-growth",
		stages: []string{"Clarify expectations", "Deliver visible impact", "Grow the next-level skills", "Build your case", "Make the ask"},
		tracks: []track{
			{title: "Deep work on your highest-impact project — {min} min", desc: "Block the time in your calendar and protect it; this is what the promotion case rests on.", min: [2]int{60, 90}, days: "MO,WE,FR", slot: slotWork, prio: imp},
			{title: "Growth conversation with your manager", desc: "Ask what the next level looks like and where you stand; agree on one or two concrete gaps.", min: [2]int{30, 30}, days: "TU", slot: slotWork, prio: imp, when: notFinal},
			{title: "Skill building for the next level — {min} min", desc: "A course, a book or a stretch task aimed at the gaps your manager named.", min: [2]int{30, 45}, days: "TH", slot: slotFocus, prio: std},
			{title: "Write down this week's wins and impact", desc: "Keep a running document of results, numbers and feedback; it becomes your promotion case.", min: [2]int{15, 15}, days: "FR", slot: slotWork, prio: std, when: notFinal},
			{title: "Mentor or help a colleague — {min} min", desc: "Leading and lifting others is part of the next level.", min: [2]int{30, 30}, days: "WE", slot: slotWork, prio: std, from: 0.4, when: notFinal},
			{title: "Promotion conversation: present your case", desc: "Bring your wins document and ask directly about the promotion and timeline.", min: [2]int{45, 45}, days: "", slot: slotWork, prio: must, when: finalOnly},
		},
	},
	// Career: own business.
	{
		domain: DomainCareer, variant: "business", label: "business",
		stages: []string{"Validate the idea", "Build the offer", "Find customers", "Grow and refine", "Launch"},
		tracks: []track{
			{title: "Talk to {n} potential customers", desc: "Ask about their problem and what they use today; don't pitch yet. Write down their words.", min: [2]int{60, 60}, n: [2]int{2, 5}, days: "TU", slot: slotWork, prio: imp},
			{title: "Build the product or offer — {min} min", desc: "Work on the smallest version someone would pay for.", min: [2]int{60, 120}, days: "MO,WE,FR", slot: slotWork, prio: imp},
			{title: "Marketing: publish a post or send an outreach batch", desc: "One channel, done consistently, beats five done once.", min: [2]int{30, 45}, days: "TH", slot: slotWork, prio: std, from: 0.25},
			{title: "Weekly numbers review: leads, revenue, costs", desc: "Write the numbers down every week, even when they're zero.", min: [2]int{30, 30}, days: "FR", slot: slotWork, prio: std, when: notFinal},
			{title: "Launch: put your offer in front of customers", desc: "Announce it, ask for the sale, and note every objection you hear.", min: [2]int{120, 120}, days: "", slot: slotWork, prio: must, when: finalOnly},
		},
	},
	// Career: general.
	{
		domain: DomainCareer, variant: "", label: "career",
		stages: []string{"Set direction", "Build skills", "Build relationships", "Show your work", "Review and next step"},
		tracks: []track{
			{title: "Focused work on your career goal — {min} min", desc: "The one task that moves the goal forward most this week.", min: [2]int{45, 60}, days: "MO,WE", slot: slotWork, prio: imp},
			{title: "Learn a skill your goal needs — {min} min", desc: "A course, book or project; write down what you learnt.", min: [2]int{30, 45}, days: "TU,TH", slot: slotFocus, prio: std},
			{title: "Reach out to {n} people in your field", desc: "A short message to someone who has done what you want to do; ask one specific question.", min: [2]int{30, 30}, n: [2]int{1, 3}, days: "FR", slot: slotWork, prio: std},
			{title: "Weekly reflection: progress and next steps", desc: "What moved, what didn't, and the single most important task for next week.", min: [2]int{20, 20}, days: "FR", slot: slotLight, prio: std, when: notFinal},
			{title: "Review your progress with a mentor or manager", desc: "Share what you did and ask for honest feedback on the next step.", min: [2]int{45, 45}, days: "", slot: slotWork, prio: must, when: finalOnly},
		},
	},
	// Money: debt.
	{
		domain: DomainMoney, variant: "debt", label: "debt-payoff",
		stages: []string{"Face the numbers", "Free up cash", "Pay it down", "Stay on track", "Check progress"},
		tracks: []track{
			{title: "List every debt: balance, interest rate, minimum payment", desc: "One table, all debts. Choose avalanche (highest rate first) or snowball (smallest balance first).", min: [2]int{45, 45}, days: "", slot: slotFocus, prio: imp, when: firstOnly},
			{title: "Log today's spending", desc: "Every purchase, however small; it takes two minutes and shows where money leaks.", min: [2]int{5, 5}, days: "DAILY", slot: slotLight, prio: std},
			{title: "Weekly budget review and extra payment", desc: "Check spending against the budget and send whatever is left over to the target debt.", min: [2]int{30, 30}, days: "SU", slot: slotFocus, prio: imp},
			{title: "Cut one recurring cost", desc: "Cancel or downgrade a subscription, plan or fee you don't need.", min: [2]int{30, 30}, days: "WE", slot: slotLight, prio: std, to: 0.5},
			{title: "Ask for a lower rate or look into consolidation", desc: "Call your card provider or bank, or compare balance-transfer offers.", min: [2]int{30, 30}, days: "WE", slot: slotWork, prio: std, from: 0.51, when: notFinal},
			{title: "Debt check-in: new balances and next month's plan", desc: "Write down every balance again and compare with where you started.", min: [2]int{30, 30}, days: "", slot: slotFocus, prio: must, when: finalOnly},
		},
	},
	// Money: saving and general.
	{
		domain: DomainMoney, variant: "", label: "saving and budgeting",
		stages: []string{"Know your numbers", "Trim spending", "Grow the margin", "Keep the routine", "Check against the target"},
		tracks: []track{
			{title: "Set up an automatic transfer to savings on payday", desc: "Pay yourself first: a fixed amount moved to a separate account the day your income arrives.{pace}", min: [2]int{20, 20}, days: "", slot: slotFocus, prio: imp, when: firstOnly},
			{title: "Log today's spending", desc: "Every purchase, however small; patterns show up within a week.", min: [2]int{5, 5}, days: "DAILY", slot: slotLight, prio: std},
			{title: "Weekly budget review — {min} min", desc: "Compare spending with your budget, move any surplus to savings, adjust next week's limits.{pace}", min: [2]int{20, 30}, days: "SU", slot: slotFocus, prio: imp},
			{title: "Cut one recurring cost", desc: "Cancel or downgrade a subscription, plan or fee you don't need.", min: [2]int{30, 30}, days: "WE", slot: slotLight, prio: std, to: 0.5},
			{title: "Find one way to earn or save extra this week", desc: "Sell something unused, negotiate a bill, take a small side job.", min: [2]int{30, 45}, days: "WE", slot: slotLight, prio: std, from: 0.51, when: notFinal},
			{title: "Check your savings against the target and set the next one", desc: "Compare with where you started and decide the next goal.", min: [2]int{30, 30}, days: "", slot: slotFocus, prio: must, when: finalOnly},
		},
	},
	// Creative: writing.
	{
		domain: DomainCreative, variant: "writing", label: "writing",
		stages: []string{"Find your routine", "Get words on the page", "Keep the momentum", "Shape and revise", "Finish the draft"},
		tracks: []track{
			{title: "Writing session: {n} words", desc: "Same time, same place. Don't edit while drafting; leave notes like [fix later] and keep going.", min: [2]int{30, 60}, n: [2]int{300, 800}, days: "MO,TU,WE,TH,FR", slot: slotFocus, prio: imp},
			{title: "Read in your genre — {min} min", desc: "Read like a writer: notice how scenes open and end.", min: [2]int{20, 30}, days: "TU,TH", slot: slotLight, prio: std, to: 0.39},
			{title: "Plan next week's scenes or sections", desc: "A few lines per scene so each writing session starts without a blank page.", min: [2]int{20, 20}, days: "SU", slot: slotWeekend, prio: std, when: notFinal},
			{title: "Revise last week's pages — {min} min", desc: "Fix structure first, sentences later.", min: [2]int{45, 60}, days: "SA", slot: slotWeekend, prio: std, from: 0.4, when: notFinal},
			{title: "Share pages with a reader or writing group", desc: "Ask one specific question about what you shared.", min: [2]int{30, 30}, days: "TH", slot: slotLight, prio: std, from: 0.6, when: notFinal},
			{title: "Read the whole draft through once, taking notes", desc: "Don't fix anything yet; mark what works and what doesn't for the next draft.", min: [2]int{60, 60}, days: "", slot: slotWeekend, prio: std, when: finalOnly},
			{title: "Finish the draft and back it up", desc: "Write the last scene or section, save copies in two places, then take a day off.", min: [2]int{90, 90}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Creative: music.
	{
		domain: DomainCreative, variant: "music", label: "music",
		stages: []string{"Basics and posture", "First songs", "Technique and rhythm", "Play with feeling", "Perform"},
		tracks: []track{
			{title: "{instrument} technique: scales and exercises — {min} min", desc: "Slow and accurate with a metronome; speed comes later.", min: [2]int{15, 20}, days: "MO,TU,WE,TH,FR", slot: slotLight, prio: std},
			{title: "Learn this week's piece — {min} min", desc: "Break it into short sections; loop the hardest bar until it's clean.", min: [2]int{20, 40}, days: "TU,TH,SA", slot: slotLight, prio: imp},
			{title: "Ear training or theory — {min} min", desc: "Intervals, chords, or reading; an app or a method book is fine.", min: [2]int{15, 20}, days: "WE", slot: slotLight, prio: std, from: 0.3},
			{title: "Record yourself and listen back", desc: "One take of this week's piece; note two things to improve.", min: [2]int{20, 20}, days: "SU", slot: slotWeekend, prio: std, when: notFinal},
			{title: "Perform a full song for someone, or record it", desc: "Play it start to finish without stopping, mistakes and all.", min: [2]int{30, 30}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Creative: visual arts.
	{
		domain: DomainCreative, variant: "visual", label: "visual-art",
		stages: []string{"Daily practice", "Fundamentals", "Studies", "Finished pieces", "Showcase"},
		tracks: []track{
			{title: "Daily sketch — {min} min", desc: "Quick studies from life: objects, people, places. Quantity over polish.", min: [2]int{15, 30}, days: "MO,TU,WE,TH,FR", slot: slotLight, prio: std},
			{title: "Study a fundamental — {min} min", desc: "Shapes, perspective, light and shadow, colour, or composition: one per week.", min: [2]int{30, 45}, days: "TU,TH", slot: slotFocus, prio: std},
			{title: "Copy a detail from work you admire", desc: "Pick one piece and reproduce a part of it to learn how it was made.", min: [2]int{30, 30}, days: "WE", slot: slotLight, prio: std, to: 0.49},
			{title: "Work on a finished piece — {min} min", desc: "Take one idea from sketch to finished work.", min: [2]int{60, 120}, days: "SA", slot: slotWeekend, prio: imp, from: 0.3, when: notFinal},
			{title: "Share a piece and note the feedback", desc: "Post it or show a friend; write down one thing to try next.", min: [2]int{20, 20}, days: "SU", slot: slotWeekend, prio: std, when: notFinal},
			{title: "Finish and share your showcase piece", desc: "Your best work of the plan, completed and shown.", min: [2]int{120, 120}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Creative: general.
	{
		domain: DomainCreative, variant: "", label: "creative",
		stages: []string{"Start small", "Build the practice", "Stretch yourself", "Make finished work", "Show your work"},
		tracks: []track{
			{title: "Practice session — {min} min", desc: "Same time each day; start with five minutes of warm-up.", min: [2]int{20, 45}, days: "MO,WE,FR", slot: slotLight, prio: imp},
			{title: "Learn one new technique — {min} min", desc: "A tutorial, a class or a book chapter; try it out straight away.", min: [2]int{30, 30}, days: "TU", slot: slotFocus, prio: std},
			{title: "Make a small finished piece — {min} min", desc: "Finish something, however small; finishing is a skill.", min: [2]int{45, 90}, days: "SA", slot: slotWeekend, prio: std},
			{title: "Weekly review: what you made and what to try next", desc: "Look back at the week's work and pick one thing to improve.", min: [2]int{15, 15}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Show your work to someone", desc: "Share your best piece of the plan and ask what stands out.", min: [2]int{30, 30}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
	// Wellbeing: sleep.
	{
		domain: DomainWellbeing, variant: "sleep", label: "sleep",
		stages: []string{"Notice your sleep", "A steady rhythm", "A calmer evening", "Protect your sleep", "Review and keep"},
		tracks: []track{
			{title: "Wind-down routine: screens off — {min} min before bed", desc: "Dim lights, no screens; read, stretch or prepare tomorrow instead.", min: [2]int{15, 30}, days: "DAILY", slot: slotEvening, prio: imp},
			{title: "Get up at the same time, weekends too", desc: "A fixed wake-up time is the strongest lever for a steady sleep rhythm.", min: [2]int{5, 5}, days: "DAILY", slot: slotMorning, prio: std},
			{title: "Morning daylight walk — {min} min", desc: "Outdoor light soon after waking sets your body clock.", min: [2]int{10, 20}, days: "MO,TU,WE,TH,FR", slot: slotMorning, prio: std},
			{title: "Sleep diary: bedtime, wake time, how rested", desc: "Two lines each morning; no caffeine after 2 pm is worth noting too.", min: [2]int{5, 5}, days: "DAILY", slot: slotMorning, prio: std, when: notFinal},
			{title: "Final check: compare your sleep diary with week 1", desc: "Which habits made the difference? Keep those.", min: [2]int{20, 20}, days: "", slot: slotLight, prio: imp, when: finalOnly},
		},
	},
	// Wellbeing: quitting or cutting down a habit.
	{
		domain: DomainWellbeing, variant: "habit", label: "habit-change",
		stages: []string{"Notice the pattern", "Replace the routine", "Change the environment", "Hold steady", "Celebrate and plan ahead"},
		tracks: []track{
			{title: "Log every urge and what triggered it", desc: "Time, place, feeling; patterns show up within a week.", min: [2]int{5, 5}, days: "DAILY", slot: slotLight, prio: std},
			{title: "Replacement routine when the urge hits — {min} min", desc: "A walk, a glass of water, a call, breathing: decide it in advance.", min: [2]int{10, 10}, days: "DAILY", slot: slotEvening, prio: imp},
			{title: "Remove one trigger from your environment", desc: "Out of the house, off the phone, off the route home.", min: [2]int{30, 30}, days: "WE", slot: slotLight, prio: std, to: 0.5, when: notFinal},
			{title: "Check in with a support person", desc: "Tell a friend, group or professional how the week went.", min: [2]int{15, 20}, days: "SA", slot: slotWeekend, prio: std, from: 0.3, when: notFinal},
			{title: "Weekly review: wins, slips and next week's plan", desc: "A slip is information, not failure: what led to it?", min: [2]int{15, 15}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Celebrate your progress and plan for slip-ups", desc: "Write down your high-risk situations and what you'll do in each.", min: [2]int{30, 30}, days: "", slot: slotLight, prio: must, when: finalOnly},
		},
	},
	// Wellbeing: stress, mindfulness, general.
	{
		domain: DomainWellbeing, variant: "", label: "wellbeing",
		stages: []string{"Small daily pauses", "Build the practice", "Make space", "Deepen", "Reflect and keep"},
		tracks: []track{
			{title: "Meditation — {min} min", desc: "Sit comfortably and follow your breath; a guided app helps at first. Wandering is normal: just come back.", min: [2]int{5, 15}, days: "DAILY", slot: slotMorning, prio: imp},
			{title: "Walk outside without your phone — {min} min", desc: "Notice five things you see, hear and smell.", min: [2]int{15, 30}, days: "TU,TH,SA", slot: slotLight, prio: std},
			{title: "Journal: three things that went well today", desc: "Short is fine; it trains attention toward what works.", min: [2]int{5, 10}, days: "DAILY", slot: slotEvening, prio: std},
			{title: "Breathing exercise before a stressful moment", desc: "Four seconds in, six out, for two minutes, before a meeting or a hard call.", min: [2]int{5, 5}, days: "MO,WE,FR", slot: slotWork, prio: std, to: 0.29},
			{title: "Plan something restorative for yourself — {min} min", desc: "Time with a friend, a hobby, nature: put it in the calendar like a meeting.", min: [2]int{30, 60}, days: "SA", slot: slotWeekend, prio: std, from: 0.3, to: 0.99},
			{title: "Reflect: what helped most, and what you'll keep", desc: "Compare how you feel now with week 1 and choose the habits to keep.", min: [2]int{20, 20}, days: "", slot: slotLight, prio: imp, when: finalOnly},
		},
	},
	// General.
	{
		domain: DomainGeneral, variant: "", label: "",
		stages: []string{"Get clear and start", "Build momentum", "Push through the middle", "Close the gaps", "Finish line"},
		tracks: []track{
			{title: "Break the next step into small actions", desc: "Write the next three concrete actions, each doable in under an hour.", min: [2]int{20, 20}, days: "MO", slot: slotFocus, prio: std},
			{title: "Focused work on your goal — {min} min", desc: "Phone away, one action from your list; stop while you still know what comes next.", min: [2]int{30, 60}, days: "TU,TH,SA", slot: slotFocus, prio: imp},
			{title: "Learn from someone who has done it — {min} min", desc: "Read, watch or ask someone who reached a similar goal; note one thing to copy.", min: [2]int{30, 30}, days: "WE", slot: slotLight, prio: std, to: 0.5},
			{title: "Remove one obstacle that slowed you down", desc: "Fix the thing that kept getting in the way: a tool, a time clash, a missing piece.", min: [2]int{30, 30}, days: "WE", slot: slotLight, prio: std, from: 0.51, when: notFinal},
			{title: "Weekly review: what moved, what didn't, what's next", desc: "Check progress honestly and adjust next week's plan.", min: [2]int{20, 20}, days: "SU", slot: slotLight, prio: std, when: notFinal},
			{title: "Finish line: complete your goal and review what worked", desc: "Do the last step, then write down what you'd repeat next time.", min: [2]int{60, 60}, days: "", slot: slotWeekend, prio: must, when: finalOnly},
		},
	},
}
