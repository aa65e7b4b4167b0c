"""The words of the office's queue, its waiting-room display and the supervisor's appointments
page (Arabic first, as a civil-status office writes them, then English), and the figures in
words: a ticket's state and kind, minutes, a no-show rate."""

from __future__ import annotations

from registry.office.errors import isolate

__all__ = ["DISPLAY", "KINDS", "STATES", "TEXT", "call_line", "minutes", "rate"]

# a ticket's state (registry.bookings.queue.TicketState) as a cell of the queue's table
STATES: dict[str, tuple[str, str]] = {
    "waiting": ("في الانتظار", "Waiting"),
    "called": ("نُودي عليه", "Called"),
    "served": ("أُنجزت خدمته", "Served"),
    "no_show": ("لم يحضر", "No-show"),
}

KINDS: dict[str, tuple[str, str]] = {
    "booked": ("بموعد", "Booked"),
    "walk_in": ("دون موعد", "Walk-in"),
}

TEXT: dict[str, dict[str, str]] = {
    "ar": {
        # the queue page
        "queue": "دور المراجعين اليوم",
        "queue_lead": (
            "أرقام الدور في المكتب اليوم بترتيب النداء: أصحاب المواعيد الحاضرون في وقتهم "
            "أولًا، ثم المراجعون دون موعد والمتأخرون بحسب وقت إصدار التذكرة."
        ),
        "refreshes": "تُحدَّث هذه الصفحة تلقائيًا كل عشرين ثانية.",
        "counter_choose": "الشبّاك الذي تعمل عليه",
        "counter_n": "الشبّاك",
        "counter_none": "اختر الشبّاك الذي تعمل عليه قبل نداء أي رقم.",
        "call_next": "نداء الرقم التالي",
        "now_at_counter": "الرقم الحالي على هذا الشبّاك",
        "nobody_at_counter": "لا يوجد رقم منادى عليه على هذا الشبّاك.",
        "served": "أُنجزت الخدمة",
        "no_show": "لم يحضر",
        "recall": "إعادة النداء",
        "done_called": "نُودي على الرقم التالي.",
        "done_empty": "لا يوجد مراجعون بانتظار خدمات هذا الشبّاك.",
        "done_served": "سُجّل إنجاز الخدمة.",
        "done_no_show": "سُجّل عدم حضور صاحب الرقم.",
        "done_recall": "أُعيد النداء على الرقم.",
        "changed": "تغيّرت حالة هذا الرقم قبل حفظ الإجراء: راجع القائمة المحدَّثة.",
        "bad_counter": "هذا الشبّاك غير موجود في مكتبك أو غير عامل.",
        "no_office": "لا يعمل على دور المراجعين إلا موظف تابع لمكتب.",
        "called_title": "الأرقام المنادى عليها",
        "waiting_title": "بانتظار النداء، بترتيبه",
        "done_title": "الأرقام المنتهية اليوم",
        "none_listed": "لا يوجد.",
        "ticket": "رقم الدور",
        "service": "الخدمة",
        "kind": "النوع",
        "late": "حضر بعد موعده",
        "issued": "وقت الإصدار",
        "called_at": "وقت النداء",
        "counter": "الشبّاك",
        "state": "الحالة",
        "open_display": "فتح شاشة النداء",
        "bad_csrf": "انتهت صلاحية النموذج: أعد تحميل الصفحة ثم أعد المحاولة.",
        # the supervisor's page
        "bookings": "المواعيد ودور المراجعين",
        "bookings_lead": (
            "أرقام المواعيد والحضور والانتظار في المكتب لكل يوم من المدة المختارة، "
            "بحسب أيام المكتب وتوقيته."
        ),
        "office_choose": "المكتب",
        "choose_office_first": "اختر مكتبًا لعرض أرقامه.",
        "from": "من تاريخ",
        "to": "إلى تاريخ",
        "show": "عرض",
        "bad_range": (
            "اكتب التاريخين بالصيغة YYYY-MM-DD، على أن يسبق الأول الثاني وألا تزيد المدة "
            "على اثنين وتسعين يومًا."
        ),
        "bad_office": "رمز المكتب غير صحيح.",
        "not_your_office": "لا يطّلع المشرف التابع لمكتب إلا على مواعيد مكتبه.",
        "figures_title": "الأرقام اليومية",
        "day": "اليوم",
        "day_bookings": "المواعيد",
        "day_no_shows": "لم يحضروا",
        "day_no_show_rate": "نسبة عدم الحضور",
        "day_wait_p50": "مدة الانتظار الوسيطة (بالدقائق)",
        "day_wait_p90": "مدة الانتظار التي لا يتجاوزها تسعون بالمئة من المراجعين (بالدقائق)",
        "day_served": "من خُدموا على كل شبّاك",
        "day_walk_ins": "المراجعون دون موعد",
        "no_figures": "لا توجد مواعيد ولا تذاكر في هذه المدة.",
        "dash": "—",
        "close_title": "إغلاق المكتب ليوم",
        "close_lead": (
            "تُلغى جميع مواعيد ذلك اليوم، ويُبلَّغ أصحابها برسالة نصية فيها رابط لحجز موعد "
            "جديد، ولا تُقبل فيه مواعيد جديدة."
        ),
        "close_day": "اليوم المراد إغلاقه",
        "close_reason": "سبب الإغلاق",
        "close_next": "متابعة",
        "close_confirm_title": "تأكيد إغلاق المكتب",
        "close_confirm_lead": (
            "سيُغلق المكتب في اليوم المبيَّن وتُلغى مواعيده فيه، ولا يمكن التراجع عن ذلك."
        ),
        "to_cancel": "المواعيد التي ستُلغى",
        "to_notify": "الرسائل النصية التي ستُرسل",
        "close_confirm": "تأكيد الإغلاق",
        "close_back": "تراجع",
        "closed_done": "أُغلق المكتب في هذا اليوم.",
        "cancelled": "المواعيد الملغاة",
        "notified": "الرسائل النصية المُدرجة للإرسال",
        "bad_reason": "اكتب سبب الإغلاق في ثلاثة أحرف إلى ثلاثمئة حرف.",
        "past_day": "لا يُغلق يوم مضى.",
        "bad_day": "اكتب اليوم بالصيغة YYYY-MM-DD.",
        "office_gone": "هذا المكتب مغلق أو غير موجود.",
        "display_title": "رابط شاشة النداء",
        "display_lead": (
            "تعرض شاشة قاعة الانتظار أرقام الدور المنادى عليها وأرقام الشبابيك دون أي بيانات "
            "شخصية، وتُفتح برابط خاص بالمكتب لا يحتاج إلى تسجيل الدخول."
        ),
        "display_none": "لم يُنشأ رابط لشاشة النداء في هذا المكتب بعد.",
        "display_made": "أُنشئ الرابط الحالي",
        "display_by": "بواسطة",
        "display_new": "إنشاء رابط جديد",
        "display_new_hint": "يُبطل الرابط الجديد الرابط السابق فورًا.",
        "display_shown_once": (
            "الرابط الجديد، ويُعرض مرة واحدة فقط: افتحه على شاشة قاعة الانتظار أو احفظه في مكان آمن."
        ),
    },
    "en": {
        "queue": "Today's queue",
        "queue_lead": (
            "The office's tickets today in the order they are called: booked citizens who came "
            "on time first, then walk-ins and late arrivals by the time their ticket was "
            "printed."
        ),
        "refreshes": "This page refreshes itself every twenty seconds.",
        "counter_choose": "Your counter",
        "counter_n": "Counter",
        "counter_none": "Choose your counter before calling a number.",
        "call_next": "Call the next number",
        "now_at_counter": "Now at this counter",
        "nobody_at_counter": "No number is called to this counter.",
        "served": "Served",
        "no_show": "No-show",
        "recall": "Call again",
        "done_called": "The next number was called.",
        "done_empty": "No one is waiting for this counter's services.",
        "done_served": "Recorded as served.",
        "done_no_show": "Recorded as a no-show.",
        "done_recall": "The number was called again.",
        "changed": "This number changed before your action was saved: see the list again.",
        "bad_counter": "That counter is not one of your office's working counters.",
        "no_office": "Only staff of an office work its queue.",
        "called_title": "Called",
        "waiting_title": "Waiting, in the order they are called",
        "done_title": "Done today",
        "none_listed": "None.",
        "ticket": "Ticket number",
        "service": "Service",
        "kind": "Kind",
        "late": "came after the appointment",
        "issued": "Issued",
        "called_at": "Called",
        "counter": "Counter",
        "state": "State",
        "open_display": "Open the call display",
        "bad_csrf": "The form expired: reload the page and try again.",
        "bookings": "Appointments and the queue",
        "bookings_lead": (
            "Each day's appointments, attendance and waiting at the office over the chosen "
            "dates, in the office's own days and time."
        ),
        "office_choose": "Office",
        "choose_office_first": "Choose an office to see its figures.",
        "from": "From",
        "to": "To",
        "show": "Show",
        "bad_range": (
            "Write both dates as YYYY-MM-DD, the first not after the second, at most "
            "ninety-two days apart."
        ),
        "bad_office": "The office code is not valid.",
        "not_your_office": "A supervisor of an office sees only that office's appointments.",
        "figures_title": "Day by day",
        "day": "Day",
        "day_bookings": "Appointments",
        "day_no_shows": "No-shows",
        "day_no_show_rate": "No-show rate",
        "day_wait_p50": "Median wait (minutes)",
        "day_wait_p90": "90th percentile wait (minutes)",
        "day_served": "Served at each counter",
        "day_walk_ins": "Walk-ins",
        "no_figures": "No appointment or ticket in these days.",
        "dash": "—",
        "close_title": "Close the office for a day",
        "close_lead": (
            "Every appointment that day is cancelled and its holder told by SMS, with a link "
            "to book again; no new appointment is taken for it."
        ),
        "close_day": "Day to close",
        "close_reason": "Reason for the closure",
        "close_next": "Continue",
        "close_confirm_title": "Confirm the closure",
        "close_confirm_lead": (
            "The office will be closed on the day shown and its appointments cancelled; this "
            "cannot be undone."
        ),
        "to_cancel": "Appointments to be cancelled",
        "to_notify": "SMS messages to be sent",
        "close_confirm": "Confirm the closure",
        "close_back": "Go back",
        "closed_done": "The office is closed on that day.",
        "cancelled": "Appointments cancelled",
        "notified": "SMS messages queued",
        "bad_reason": "Give the reason in 3 to 300 characters.",
        "past_day": "A day that has passed cannot be closed.",
        "bad_day": "Write the day as YYYY-MM-DD.",
        "office_gone": "That office is closed or does not exist.",
        "display_title": "The call display's link",
        "display_lead": (
            "The waiting room's screen shows the numbers called and their counters, no "
            "personal data, and opens with a link of the office's own that needs no sign-in."
        ),
        "display_none": "No call display link has been made for this office yet.",
        "display_made": "The current link was made",
        "display_by": "by",
        "display_new": "Make a new link",
        "display_new_hint": "A new link stops the old one at once.",
        "display_shown_once": (
            "The new link, shown this once only: open it on the waiting room's screen or keep "
            "it somewhere safe."
        ),
    },
}

# the waiting room's screen shows both languages at once
DISPLAY: dict[str, str] = {
    "title_ar": "شاشة النداء",
    "title_en": "Now calling",
    "latest_ar": "النداء الأحدث",
    "latest_en": "Latest call",
    "earlier_ar": "نداءات سابقة",
    "earlier_en": "Earlier calls",
    "empty_ar": "لم يُنادَ على أي رقم بعد.",
    "empty_en": "No number has been called yet.",
    "not_found": "لا توجد شاشة نداء بهذا الرابط. — No call display has this link.",
}


def call_line(label: str, counter: int) -> tuple[str, str]:
    """ "الرقم B-007 ← الشبّاك 3" and "Number B-007 → Counter 3"."""
    return (
        f"الرقم {isolate(label)} ← الشبّاك {isolate(counter)}",
        f"Number {label} → Counter {counter}",
    )


def minutes(value: float | None, lang: str) -> str:
    """A wait in whole minutes, or a dash when nobody was called."""
    if value is None:
        return TEXT[lang]["dash"]
    text = str(round(value))
    return isolate(text) if lang == "ar" else text


def rate(share: float | None, lang: str) -> str:
    if share is None:
        return TEXT[lang]["dash"]
    text = f"{share * 100:.0f}%"
    return isolate(text) if lang == "ar" else text
