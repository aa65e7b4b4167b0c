"""Every word the portal shows, Arabic first and English, and how a registry refusal reads.

The portal's own words are here (`TEXT`). Words the kiosk already says to a citizen are the
kiosk's (`kiosk_app/i18n/*.json`, read as data, never through Kivy): entitlement refusals,
relations ("your daughter"), the fee format and currency names, the national number's format
notices. A refusal the kiosk words for a kiosk ("at this kiosk") is worded here for the web.
The Arabic addresses the reader without a gendered verb (يرجى + a verbal noun, passives), so
it reads right to a woman and to a man.

What it does not do: choose the language (the app does, from a cookie), or escape HTML
(Jinja does).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from kiosk_app.i18n import Catalogue, Catalogues, format_fee
from verifier.words import isolate

__all__ = [
    "LANGUAGES",
    "TEXT",
    "fee_text",
    "kiosk",
    "national_id_notice",
    "refusal_text",
    "relation_text",
    "say",
]

LANGUAGES = ("ar", "en")

TEXT: Mapping[str, Mapping[str, str]] = {
    "ar": {
        "app": "الخدمات الإلكترونية للأحوال المدنية",
        "skip": "الانتقال إلى المحتوى",
        "other_lang": "English",
        "language": "اللغة",
        "main_nav": "القائمة الرئيسية",
        "home": "الوثائق",
        "my_orders": "طلباتي",
        "sign_out": "تسجيل الخروج",
        "sign_in_title": "تسجيل الدخول",
        "sign_in_intro": "للدخول: الرقم الوطني والرقم السري نفسهما المستخدمان في أجهزة الخدمة "
        "الذاتية، ثم رمز يصل برسالة قصيرة إلى رقم الهاتف المسجل لدى السجل المدني.",
        "national_id": "الرقم الوطني",
        "national_id_hint": "عشرة أرقام، كما في بطاقة الهوية",
        "pin": "الرقم السري",
        "pin_hint": "من 4 إلى 8 أرقام",
        "continue": "متابعة",
        "code_title": "رمز التحقق",
        "code_sent": "أرسلنا رمزًا من 6 أرقام برسالة قصيرة إلى الهاتف {hint}. الرمز صالح لمدة "
        "5 دقائق ولمرة واحدة.",
        "code_label": "الرمز المكوّن من 6 أرقام",
        "code_never": "هذا الرمز لصاحب الحساب وحده. لا يجوز إعطاؤه لأي شخص، ولا حتى لمن يقول إنه "
        "موظف في السجل المدني: لا أحد منا يطلبه أبدًا.",
        "sms_weaker": "الرمز الذي يصل برسالة قصيرة حماية أضعف من تطبيق على الهاتف أو من بطاقة "
        "الهوية، لأن الرسائل يمكن تحويلها أو اعتراضها. لذلك يُطلب معه الرقم السري دائمًا.",
        "verify": "تأكيد الرمز",
        "resend": "إرسال رمز جديد",
        "resent": "أرسلنا رمزًا جديدًا صالحًا لمدة 5 دقائق.",
        "start_again": "البدء من جديد",
        "hello": "مرحبًا، {name}",
        "home_title": "الوثائق التي يمكن طلبها",
        "home_intro": "يمكن طلب الوثيقة ودفع رسومها هنا، ثم استلامها من أي جهاز خدمة ذاتية أو "
        "من شباك أحد المراكز أو بالبريد.",
        "order_this": "طلب هذه الوثيقة",
        "no_documents": "لا توجد وثيقة يمكن طلبها عبر الإنترنت حاليًا. يمكن مراجعة أحد مراكز "
        "خدمة المواطن.",
        "order_form_title": "طلب {document}",
        "collection_legend": "طريقة الاستلام",
        "collect_kiosk": "من أي جهاز خدمة ذاتية",
        "collect_kiosk_hint": "بعد الدفع يظهر رمز الطلب، ويكفي إدخاله مع الرقم السري في أي "
        "جهاز لطباعة الوثيقة.",
        "collect_counter": "من شباك مركز خدمة",
        "collect_counter_hint": "يطبعها الموظف عند المراجعة مع بطاقة الهوية.",
        "office": "المركز",
        "office_choose": "اختيار المركز",
        "collect_post": "بالبريد",
        "collect_post_hint": "نرسلها مطبوعة إلى العنوان أدناه، مع رقم لتتبع الإرسال.",
        "address_legend": "عنوان الإرسال (للبريد فقط)",
        "addr_name": "اسم المستلم",
        "addr_line1": "العنوان (الشارع والمبنى)",
        "addr_line2": "تفاصيل إضافية (اختياري)",
        "addr_city": "المدينة",
        "addr_postcode": "الرمز البريدي (اختياري)",
        "place_order": "تأكيد الطلب",
        "fee": "الرسوم: {fee}",
        "fee_free": "بلا رسوم",
        "fee_label": "الرسوم",
        "order_title": "الطلب {code}",
        "order_details": "تفاصيل الطلب",
        "document": "الوثيقة",
        "holder": "صاحب الوثيقة",
        "collection": "الاستلام",
        "status": "الحالة",
        "next": "الخطوة التالية",
        "ordered_on": "تاريخ الطلب",
        "tracking": "رقم التتبع",
        "via_kiosk": "من أي جهاز خدمة ذاتية",
        "via_counter": "من شباك {office}",
        "via_post": "بالبريد",
        "state_unpaid": "بانتظار الدفع",
        "state_paid": "مدفوع، قيد التجهيز",
        "state_ready": "جاهز للاستلام",
        "state_collected": "تم الاستلام",
        "state_dispatched": "أُرسل بالبريد",
        "state_delivered": "سُلِّم",
        "state_returned": "أعاده البريد",
        "state_refunded": "أُعيدت الرسوم",
        "state_cancelled": "أُلغي",
        "next_unpaid": "دفع الرسوم عبر محفظة الهاتف المحمول، في هذه الصفحة.",
        "next_paid_kiosk": "تُجهَّز الوثيقة الآن. نرسل رسالة قصيرة حين تصبح جاهزة للطباعة من أي جهاز.",
        "next_ready_kiosk": "الوثيقة جاهزة: يمكن طباعتها من أي جهاز خدمة ذاتية برمز الطلب والرقم "
        "السري.",
        "next_paid_counter": "تُجهَّز الوثيقة الآن في {office}. نرسل رسالة قصيرة حين تصبح جاهزة.",
        "next_ready_counter": "الوثيقة جاهزة في {office}: يرجى إحضار بطاقة الهوية ورمز الطلب إلى "
        "الشباك.",
        "next_paid_post": "تُجهَّز الوثيقة للإرسال بالبريد. نرسل رسالة قصيرة فيها رقم التتبع حين "
        "تُرسل.",
        "next_collected": "تم استلام الوثيقة. لا يلزم أي إجراء آخر.",
        "next_dispatched": "أُرسلت الوثيقة بالبريد، ورقم التتبع {tracking}.",
        "next_delivered": "سلّم البريد الوثيقة. لا يلزم أي إجراء آخر.",
        "next_returned": "أعاد البريد الوثيقة. يرجى مراجعة أحد مراكز خدمة المواطن، أو طلبها من "
        "جديد بعنوان آخر.",
        "next_refunded": "أُعيدت الرسوم إلى المحفظة التي دُفعت منها.",
        "next_cancelled": "أُلغي هذا الطلب. لا يلزم أي إجراء.",
        "pay_title": "الدفع عبر محفظة الهاتف المحمول",
        "msisdn": "رقم الهاتف المحمول للمحفظة",
        "msisdn_hint": "مثل {example}",
        "pay_note": "تصل إلى الهاتف رسالة من شركة الاتصالات لتأكيد الدفع. هذا الموقع لا يطلب "
        "أبدًا الرقم السري للمحفظة.",
        "pay": "دفع {fee}",
        "pending_title": "لم يتأكد الدفع بعد",
        "pending_text": "طلبنا الدفع من شركة الاتصالات ولم يصلنا تأكيدها بعد. لا داعي للدفع مرة "
        "أخرى: نرسل رسالة قصيرة حين يتأكد الدفع، ويمكن تحديث هذه الصفحة في أي وقت.",
        "unreachable_title": "تعذر الوصول إلى شركة الاتصالات",
        "unreachable_text": "تعذر الوصول إلى شركة الاتصالات في هذه اللحظة، فلم نطلب أي دفع ولم "
        "يُخصم أي مبلغ. يمكن المحاولة مرة أخرى بعد دقائق.",
        "declined_title": "لم تتم عملية الدفع",
        "declined_text": "رفضت شركة الاتصالات الدفع، ولم يُخصم أي مبلغ. يمكن المحاولة برقم آخر "
        "أو بعد التأكد من رصيد المحفظة.",
        "check_again": "تحديث الحالة",
        "paid_title": "تم الدفع",
        "order_code": "رمز الطلب",
        "qr_label": "رمز QR لرمز الطلب {code}",
        "code_help_kiosk": "عند أي جهاز خدمة ذاتية: اختيار «استلام طلب»، ثم مسح هذا الرمز أو "
        "كتابته، ثم الرقم السري.",
        "code_help_counter": "في {office}: إبراز بطاقة الهوية وهذا الرمز للموظف.",
        "code_help_post": "الوثيقة تُرسل بالبريد إلى العنوان المسجل في الطلب، وهذا الرمز مرجعها عند "
        "أي استفسار.",
        "code_alone": "الرمز وحده لا يكفي لاستلام الوثيقة: يلزم معه الرقم السري أو بطاقة الهوية.",
        "orders_title": "طلباتي",
        "no_orders": "لا توجد طلبات بعد.",
        "details": "تفاصيل الطلب {code}",
        "back_home": "العودة إلى الوثائق",
        "errors_title": "يرجى تصحيح ما يلي:",
        "error_prefix": "خطأ:",
        "err_required": "هذا الحقل مطلوب.",
        "err_pin_format": "الرقم السري من 4 إلى 8 أرقام.",
        "err_code_format": "الرمز مكون من 6 أرقام.",
        "err_order_code": "رمز الطلب غير صحيح.",
        "err_msisdn": "رقم الهاتف غير صحيح. يرجى كتابته كما يُطلب داخل البلد أو مع رمز الدولة.",
        "err_msisdn_not_mobile": "هذا ليس رقم هاتف محمول.",
        "err_collection": "يرجى اختيار طريقة الاستلام.",
        "err_office": "يرجى اختيار المركز.",
        "err_too_long": "النص أطول من المسموح.",
        "err_postcode": "الرمز البريدي غير صحيح.",
        "form_expired": "انتهت صلاحية هذه الصفحة. يرجى المحاولة مرة أخرى.",
        "session_ended": "انتهت الجلسة. يرجى تسجيل الدخول من جديد.",
        "signed_out": "تم تسجيل الخروج.",
        "pin_wrong": "الرقم الوطني أو الرقم السري غير صحيح. المحاولات المتبقية: {tries}.",
        "throttled": "محاولات كثيرة. يرجى الانتظار {seconds} ثانية ثم المحاولة من جديد.",
        "resend_wait": "يمكن طلب رمز جديد بعد {seconds} ثانية، أو البدء من جديد.",
        "code_wrong": "الرمز غير صحيح. المحاولات المتبقية: {tries}.",
        "unavailable_title": "الخدمة غير متاحة مؤقتًا",
        "unavailable_text": "تعذر الوصول إلى السجل المدني. لم يُنفذ أي طلب ولم يُخصم أي مبلغ. "
        "يرجى المحاولة بعد قليل.",
        "not_found_title": "الصفحة غير موجودة",
        "not_found_text": "لا توجد صفحة بهذا العنوان.",
        "broken_title": "حدث خطأ من جهتنا",
        "broken_text": "لم يكتمل هذا الطلب بسبب خطأ في الموقع، ولم يُخصم أي مبلغ. يرجى المحاولة "
        "بعد قليل.",
        "refused_title": "تعذر تنفيذ الطلب",
        "book": "حجز موعد",
        "my_appointments": "مواعيدي",
        "nav_appointments": "مواعيدي",
        "appointments_home_title": "المواعيد في مكاتب الأحوال المدنية",
        "appointments_home_intro": "لما يلزمه حضور إلى المكتب (تسجيل واقعة، أو تصحيح قيد، أو "
        "بطاقة الأحوال المدنية، أو دفتر العائلة) يمكن حجز موعد هنا بدل الانتظار.",
        "book_title": "حجز موعد",
        "step": "الخطوة {n} من 5",
        "choose_service": "يُرجى اختيار الخدمة",
        "duration": "مدة الموعد",
        "bring": "ما يلزم إحضاره",
        "choose_this_service": "اختيار هذه الخدمة",
        "choose_office": "يُرجى اختيار المكتب",
        "governorate": "المحافظة",
        "governorate_hint": "تُعرض المكاتب الأقرب إلى المحافظة المختارة أولًا.",
        "governorate_any": "جميع المحافظات",
        "show_nearest": "عرض الأقرب أولًا",
        "choose_this_office": "اختيار هذا المكتب",
        "no_offices": "لا يوجد مكتب يقدّم هذه الخدمة حاليًا.",
        "choose_day": "يُرجى اختيار اليوم",
        "day_full": "لا مواعيد متاحة في هذا اليوم",
        "join_waitlist": "التسجيل في قائمة الانتظار",
        "waitlist_hint": "عند إلغاء أحد مواعيد هذا اليوم تصل رسالة قصيرة بالموعد المتاح، ويُحتفظ "
        "به مدة محدودة لتأكيده.",
        "no_days": "لا توجد أيام متاحة للحجز في هذا المكتب خلال الفترة المفتوحة للحجز.",
        "choose_time": "يُرجى اختيار الوقت",
        "times_hint": "يُحتفظ بالوقت المختار بضع دقائق إلى أن يُؤكَّد الحجز في الخطوة التالية.",
        "no_times": "لم يبقَ وقت متاح في هذا اليوم. يمكن اختيار يوم آخر.",
        "slot_taken": "حُجز هذا الوقت قبل لحظات. يُرجى اختيار أحد الأوقات المتاحة التالية:",
        "no_alternatives": "لا توجد أوقات قريبة متاحة. يمكن اختيار يوم آخر.",
        "other_day": "اختيار يوم آخر",
        "other_office": "اختيار مكتب آخر",
        "other_service": "اختيار خدمة أخرى",
        "confirm_title": "تأكيد الموعد",
        "held_until": "يُحتفظ بهذا الموعد حتى الساعة {time}، ولا يُثبَّت إلا بعد تأكيده.",
        "confirm_button": "تأكيد الموعد",
        "release": "ترك هذا الوقت واختيار غيره",
        "hold_lapsed": "انتهت مدة الاحتفاظ بهذا الموعد قبل تأكيده. يُرجى اختيار الوقت من جديد.",
        "choose_again": "اختيار الوقت من جديد",
        "service": "الخدمة",
        "at_office": "المكتب",
        "date": "التاريخ",
        "time": "الوقت",
        "reference": "رقم الحجز",
        "booked_title": "تم حجز الموعد",
        "booked_sms": "تصل رسالة قصيرة برقم الحجز ورابط لإلغاء الموعد أو تغييره.",
        "moved_notice": "نُقل الموعد إلى الوقت الجديد، وتصل رسالة قصيرة بذلك.",
        "qr_booking_label": "رمز QR لرقم الحجز {code}",
        "check_in_help": "عند الوصول إلى المكتب: مسح هذا الرمز أو إدخال رقم الحجز في جهاز الخدمة "
        "الذاتية للحصول على رقم الدور.",
        "arrive_early": "يُرجى الحضور قبل الموعد بعشر دقائق.",
        "appointments_title": "مواعيدي",
        "no_appointments": "لا توجد مواعيد.",
        "earlier_appointments": "مواعيد سابقة أو ملغاة",
        "appointment_details": "تفاصيل الموعد",
        "details_of": "تفاصيل الموعد {code}",
        "cancel": "إلغاء الموعد",
        "change": "تغيير الموعد",
        "confirm_now": "تأكيد الموعد",
        "state_held": "بانتظار التأكيد",
        "state_booked": "محجوز",
        "state_expired": "انتهت مدته دون تأكيد",
        "state_checked_in": "سُجِّل الحضور",
        "state_called": "حان الدور",
        "state_served": "تمت الخدمة",
        "state_no_show": "لم يتم الحضور",
        "cancel_title": "إلغاء الموعد",
        "cancel_warning": "يُلغى هذا الموعد ويصبح وقته متاحًا لغير صاحبه، ولا يمكن التراجع عن "
        "الإلغاء.",
        "cancel_yes": "نعم، إلغاء الموعد",
        "cancel_keep": "الإبقاء على الموعد",
        "cancelled_notice": "أُلغي الموعد {code}.",
        "move_title": "تغيير الموعد",
        "move_intro": "يُختار يوم ووقت جديدان في المكتب نفسه. يبقى الموعد الحالي كما هو إلى أن "
        "يُحجز الوقت الجديد، واختيار الوقت ينقل الموعد إليه مباشرة.",
        "current": "الموعد الحالي",
        "waitlist_title": "قائمة الانتظار",
        "waitlist_joined": "تم التسجيل في قائمة الانتظار ليوم {day}، والترتيب فيها {position}. "
        "عند توفّر موعد في هذا اليوم تصل رسالة قصيرة برابط لتأكيده خلال مدة محدودة.",
        "link_title": "الموعد {code}",
        "offer_text": "أصبح هذا الموعد متاحًا من قائمة الانتظار، ويُحتفظ به حتى الساعة {time}، "
        "ولا يُثبَّت إلا بعد تأكيده.",
        "confirmed_notice": "تم تأكيد الموعد.",
        "change_signed_in": "تغيير الموعد (بعد تسجيل الدخول)",
        "link_invalid_title": "الرابط غير صالح",
        "sign_in_instead": "تسجيل الدخول ومراجعة المواعيد",
        "err_reference": "رقم الحجز غير صحيح.",
        "err_service": "يُرجى اختيار الخدمة.",
        "err_day": "يُرجى اختيار اليوم.",
        "err_slot": "يُرجى اختيار الوقت.",
    },
    "en": {
        "app": "Civil status e-services",
        "skip": "Skip to content",
        "other_lang": "العربية",
        "language": "Language",
        "main_nav": "Main menu",
        "home": "Documents",
        "my_orders": "My orders",
        "sign_out": "Sign out",
        "sign_in_title": "Sign in",
        "sign_in_intro": "Sign in with the national number and PIN you use at the self-service "
        "kiosks, then a code we send by SMS to the phone number the civil registry holds "
        "for you.",
        "national_id": "National number",
        "national_id_hint": "10 digits, as on your ID card",
        "pin": "PIN",
        "pin_hint": "4 to 8 digits",
        "continue": "Continue",
        "code_title": "Verification code",
        "code_sent": "We sent a 6-digit code by SMS to your phone ({hint}). It is valid for 5 "
        "minutes, once.",
        "code_label": "The 6-digit code",
        "code_never": "This code is for you alone. Never give it to anyone, not even someone who "
        "says they work for the civil registry: none of us will ever ask for it.",
        "sms_weaker": "A code sent by SMS is weaker protection than an app or an ID card: text "
        "messages can be redirected or intercepted. That is why your PIN is always asked for "
        "as well.",
        "verify": "Confirm the code",
        "resend": "Send a new code",
        "resent": "We sent a new code, valid for 5 minutes.",
        "start_again": "Start again",
        "hello": "Welcome, {name}",
        "home_title": "Documents you can order",
        "home_intro": "Order a document and pay its fee here, then collect it at any "
        "self-service kiosk, at a centre's counter, or receive it by post.",
        "order_this": "Order this document",
        "no_documents": "There is no document you can order online at the moment. A citizen "
        "service centre can help.",
        "order_form_title": "Order: {document}",
        "collection_legend": "How to receive it",
        "collect_kiosk": "At any self-service kiosk",
        "collect_kiosk_hint": "Once paid, you get an order code: enter it with your PIN at any "
        "kiosk and the document prints.",
        "collect_counter": "At a service centre counter",
        "collect_counter_hint": "Staff print it for you when you come with your ID card.",
        "office": "Centre",
        "office_choose": "Choose a centre",
        "collect_post": "By post",
        "collect_post_hint": "We send it printed to the address below, with a tracking number.",
        "address_legend": "Postal address (post only)",
        "addr_name": "Recipient's name",
        "addr_line1": "Address (street and building)",
        "addr_line2": "More details (optional)",
        "addr_city": "City",
        "addr_postcode": "Postcode (optional)",
        "place_order": "Place the order",
        "fee": "Fee: {fee}",
        "fee_free": "No fee",
        "fee_label": "Fee",
        "order_title": "Order {code}",
        "order_details": "Order details",
        "document": "Document",
        "holder": "Document holder",
        "collection": "Collection",
        "status": "Status",
        "next": "Next step",
        "ordered_on": "Ordered on",
        "tracking": "Tracking number",
        "via_kiosk": "At any self-service kiosk",
        "via_counter": "At the counter of {office}",
        "via_post": "By post",
        "state_unpaid": "Waiting for payment",
        "state_paid": "Paid, being prepared",
        "state_ready": "Ready to collect",
        "state_collected": "Collected",
        "state_dispatched": "Sent by post",
        "state_delivered": "Delivered",
        "state_returned": "Returned by the post",
        "state_refunded": "Refunded",
        "state_cancelled": "Cancelled",
        "next_unpaid": "Pay the fee with a mobile wallet, on this page.",
        "next_paid_kiosk": "Your document is being prepared. We will send an SMS when it is "
        "ready to print at any kiosk.",
        "next_ready_kiosk": "Ready: print it at any self-service kiosk with the order code and "
        "your PIN.",
        "next_paid_counter": "Your document is being prepared at {office}. We will send an SMS "
        "when it is ready.",
        "next_ready_counter": "Ready at {office}: bring your ID card and the order code to the "
        "counter.",
        "next_paid_post": "Being prepared for the post. We will send an SMS with the tracking "
        "number when it is sent.",
        "next_collected": "Collected. Nothing more to do.",
        "next_dispatched": "Sent by post; the tracking number is {tracking}.",
        "next_delivered": "Delivered by the post. Nothing more to do.",
        "next_returned": "The post returned it. Please visit a citizen service centre, or order "
        "it again with another address.",
        "next_refunded": "The fee was refunded to the wallet it was paid from.",
        "next_cancelled": "This order was cancelled. Nothing more to do.",
        "pay_title": "Pay with a mobile wallet",
        "msisdn": "Mobile number of the wallet",
        "msisdn_hint": "For example {example}",
        "pay_note": "Your operator will ask you on your phone to approve the payment. This site "
        "never asks for your wallet's PIN.",
        "pay": "Pay {fee}",
        "pending_title": "Payment not confirmed yet",
        "pending_text": "We asked your operator for the payment and have not had their "
        "confirmation yet. Do not pay again: we will tell you by SMS once it is confirmed, and "
        "you can refresh this page at any time.",
        "unreachable_title": "Your operator could not be reached",
        "unreachable_text": "We could not reach your operator just now, so no payment was asked "
        "for and nothing was charged. You can try again in a few minutes.",
        "declined_title": "The payment did not go through",
        "declined_text": "Your operator declined the payment and nothing was charged. You can "
        "try again with another number, or after checking the wallet's balance.",
        "check_again": "Check again",
        "paid_title": "Paid",
        "order_code": "Order code",
        "qr_label": "QR code of order code {code}",
        "code_help_kiosk": "At any self-service kiosk: choose “Collect an order”, scan or type "
        "this code, then your PIN.",
        "code_help_counter": "At {office}: show your ID card and this code to the staff.",
        "code_help_post": "The document goes by post to the address in the order; this code is "
        "its reference if you need to ask about it.",
        "code_alone": "The code alone is not enough to collect the document: your PIN or ID "
        "card is needed too.",
        "orders_title": "My orders",
        "no_orders": "No orders yet.",
        "details": "Order details {code}",
        "back_home": "Back to documents",
        "errors_title": "Please correct the following:",
        "error_prefix": "Error:",
        "err_required": "This field is required.",
        "err_pin_format": "The PIN has 4 to 8 digits.",
        "err_code_format": "The code has 6 digits.",
        "err_order_code": "This order code is not valid.",
        "err_msisdn": "This phone number is not valid. Write it as dialled in the country, or "
        "with the country code.",
        "err_msisdn_not_mobile": "This is not a mobile number.",
        "err_collection": "Please choose how to receive it.",
        "err_office": "Please choose a centre.",
        "err_too_long": "This is too long.",
        "err_postcode": "This postcode is not valid.",
        "form_expired": "This page has expired. Please try again.",
        "session_ended": "Your session has ended. Please sign in again.",
        "signed_out": "You are signed out.",
        "pin_wrong": "The national number or PIN is not correct. Tries remaining: {tries}.",
        "throttled": "Too many attempts. Please wait {seconds} seconds, then try again.",
        "resend_wait": "You can ask for a new code in {seconds} seconds, or start again.",
        "code_wrong": "The code is not correct. Tries remaining: {tries}.",
        "unavailable_title": "The service is temporarily unavailable",
        "unavailable_text": "We could not reach the civil registry. Nothing was done and nothing "
        "was charged. Please try again shortly.",
        "not_found_title": "Page not found",
        "not_found_text": "There is no page at this address.",
        "broken_title": "Something went wrong on our side",
        "broken_text": "This request did not complete because of a fault in the site, and "
        "nothing was charged. Please try again shortly.",
        "refused_title": "This could not be done",
        "book": "Book an appointment",
        "my_appointments": "My appointments",
        "nav_appointments": "Appointments",
        "appointments_home_title": "Appointments at civil status offices",
        "appointments_home_intro": "For what needs a visit to an office (registering an event, "
        "a correction, an identity card, a family book), book an appointment here instead of "
        "waiting.",
        "book_title": "Book an appointment",
        "step": "Step {n} of 5",
        "choose_service": "Please choose the service",
        "duration": "Length",
        "bring": "What to bring",
        "choose_this_service": "Choose this service",
        "choose_office": "Please choose the office",
        "governorate": "Governorate",
        "governorate_hint": "The offices nearest to the governorate chosen come first.",
        "governorate_any": "All governorates",
        "show_nearest": "Show the nearest first",
        "choose_this_office": "Choose this office",
        "no_offices": "No office offers this service at the moment.",
        "choose_day": "Please choose the day",
        "day_full": "No times left on this day",
        "join_waitlist": "Join the waiting list",
        "waitlist_hint": "If an appointment on this day is cancelled, an SMS offers you the "
        "time, kept for you for a short while to confirm.",
        "no_days": "This office has no days open for booking in the booking period.",
        "choose_time": "Please choose the time",
        "times_hint": "The time you choose is kept for you for a few minutes until you confirm "
        "it at the next step.",
        "no_times": "No time is left on this day. Please choose another day.",
        "slot_taken": "This time has just been taken. Please choose one of these free times:",
        "no_alternatives": "No nearby time is free. Please choose another day.",
        "other_day": "Choose another day",
        "other_office": "Choose another office",
        "other_service": "Choose another service",
        "confirm_title": "Confirm the appointment",
        "held_until": "This appointment is held for you until {time}; it is booked only once "
        "you confirm it.",
        "confirm_button": "Confirm the appointment",
        "release": "Give up this time and choose another",
        "hold_lapsed": "The time was held for you but not confirmed in time. Please choose the "
        "time again.",
        "choose_again": "Choose the time again",
        "service": "Service",
        "at_office": "Office",
        "date": "Date",
        "time": "Time",
        "reference": "Booking number",
        "booked_title": "Your appointment is booked",
        "booked_sms": "An SMS brings the booking number and a link to cancel or change it.",
        "moved_notice": "The appointment is moved to the new time; an SMS confirms it.",
        "qr_booking_label": "QR code of booking number {code}",
        "check_in_help": "At the office: scan this code or type the booking number at the "
        "self-service kiosk to get your queue ticket.",
        "arrive_early": "Please arrive ten minutes before the appointment.",
        "appointments_title": "My appointments",
        "no_appointments": "No appointments.",
        "earlier_appointments": "Past or cancelled appointments",
        "appointment_details": "Appointment details",
        "details_of": "Details of appointment {code}",
        "cancel": "Cancel the appointment",
        "change": "Change the appointment",
        "confirm_now": "Confirm the appointment",
        "state_held": "Waiting for confirmation",
        "state_booked": "Booked",
        "state_expired": "Lapsed, not confirmed",
        "state_checked_in": "Checked in",
        "state_called": "Called",
        "state_served": "Served",
        "state_no_show": "Missed",
        "cancel_title": "Cancel the appointment",
        "cancel_warning": "The appointment will be cancelled and its time offered to others. "
        "A cancellation cannot be undone.",
        "cancel_yes": "Yes, cancel the appointment",
        "cancel_keep": "Keep the appointment",
        "cancelled_notice": "Appointment {code} is cancelled.",
        "move_title": "Change the appointment",
        "move_intro": "Choose a new day and time at the same office. Your appointment stays as "
        "it is until the new time is booked; choosing a time moves it there at once.",
        "current": "Current appointment",
        "waitlist_title": "Waiting list",
        "waitlist_joined": "You are on the waiting list for {day}, number {position}. If a "
        "time frees up that day, an SMS brings a link to confirm it within a short while.",
        "link_title": "Appointment {code}",
        "offer_text": "This time has come free for you from the waiting list. It is held for "
        "you until {time} and is booked only once you confirm it.",
        "confirmed_notice": "The appointment is confirmed.",
        "change_signed_in": "Change the appointment (after signing in)",
        "link_invalid_title": "This link is not valid",
        "sign_in_instead": "Sign in to see your appointments",
        "err_reference": "This booking number is not valid.",
        "err_service": "Please choose the service.",
        "err_day": "Please choose the day.",
        "err_slot": "Please choose the time.",
    },
}

# refusals the kiosk words for a kiosk; the web's own words
_WEB_REFUSALS: Mapping[str, Mapping[str, str]] = {
    "ar": {
        "not_entitled": "لا يمكن طلب هذه الوثيقة عبر الإنترنت. يمكن مراجعة أحد مراكز خدمة المواطن.",
        "no_phone": "لا يوجد رقم هاتف محمول مسجل لدى السجل المدني لهذا الرقم الوطني، فلا يمكن "
        "إرسال رمز التحقق. يمكن تسجيل الرقم في أي مكتب للأحوال المدنية مع بطاقة الهوية.",
        "code_invalid": "الرمز غير صحيح.",
        "code_expired": "انتهت صلاحية الرمز أو استُخدم من قبل. يمكن طلب رمز جديد أو البدء من جديد.",
        "order_not_found": "لا يوجد طلب بهذا الرمز في هذا الحساب.",
        "order_code_invalid": "رمز الطلب غير صحيح.",
        "payment_failed": "لم تتم عملية الدفع، ولم يُخصم أي مبلغ.",
        "requester_deceased": "لا يمكن تنفيذ هذا الطلب. يرجى مراجعة أحد مراكز خدمة المواطن.",
        "unknown": "تعذر تنفيذ هذا الطلب. يمكن مراجعة أحد مراكز خدمة المواطن.",
        "slot_taken": "حُجز هذا الوقت قبل لحظات.",
        "booking_limit": "بلغ عدد المواعيد القائمة الحد المسموح به. يمكن حجز موعد جديد بعد انقضاء "
        "أحدها أو إلغائه.",
        "booking_rate": "بدأ حجز مواعيد كثيرة خلال الساعة الأخيرة. يُرجى المحاولة بعد قليل.",
        "day_not_open": "لا يستقبل المكتب المراجعين في هذا اليوم. يُرجى اختيار يوم آخر.",
        "too_soon": "هذا الوقت قريب جدًا: يلزم الحجز قبل الموعد بمدة كافية. يُرجى اختيار وقت لاحق.",
        "outside_window": "هذا اليوم خارج الفترة المفتوحة للحجز. يُرجى اختيار يوم آخر.",
        "not_a_start": "هذا الوقت ليس من أوقات المواعيد في ذلك اليوم. يُرجى اختيار وقت من القائمة.",
        "hold_expired": "انتهت مدة الاحتفاظ بهذا الموعد قبل تأكيده. يُرجى اختيار الوقت من جديد.",
        "booking_not_active": "لم يعد هذا الموعد قائمًا، فلا يمكن تعديله.",
        "booking_not_found": "لا يوجد موعد بهذا الرقم في هذا الحساب.",
        "link_invalid": "هذا الرابط غير صالح أو غير مكتمل. يُرجى فتحه كما ورد في الرسالة القصيرة "
        "تمامًا، أو تسجيل الدخول ومراجعة «مواعيدي».",
        "already_waiting": "سبق التسجيل في قائمة الانتظار لهذا اليوم.",
        "day_not_full": "ما زالت في هذا اليوم مواعيد متاحة، فيرجى حجز أحدها.",
        "no_such_service": "لا توجد خدمة بهذا الرمز.",
        "no_such_office": "لا يقدّم هذا المكتب هذه الخدمة، أو أنه مغلق.",
    },
    "en": {
        "not_entitled": "This document cannot be ordered online. A citizen service centre can "
        "help.",
        "no_phone": "The civil registry has no mobile number for this national number, so we "
        "cannot send the code. You can register one at any civil status office with your ID "
        "card.",
        "code_invalid": "The code is not correct.",
        "code_expired": "This code has expired or was already used. You can ask for a new code, or "
        "start again.",
        "order_not_found": "There is no order with this code in your account.",
        "order_code_invalid": "This order code is not valid.",
        "payment_failed": "The payment did not go through, and nothing was charged.",
        "requester_deceased": "This request cannot be done. Please visit a citizen service centre.",
        "unknown": "This request could not be done. A citizen service centre can help.",
        "slot_taken": "This time has just been taken.",
        "booking_limit": "You have as many appointments as one person may hold. You can book "
        "another once one of them has passed or is cancelled.",
        "booking_rate": "Many appointments were started in the last hour. Please try again later.",
        "day_not_open": "The office does not receive the public that day. Please choose "
        "another day.",
        "too_soon": "This time is too soon: appointments need some notice. Please choose a "
        "later time.",
        "outside_window": "This day is outside the booking period. Please choose another day.",
        "not_a_start": "This is not one of that day's appointment times. Please choose one "
        "from the list.",
        "hold_expired": "The time was held for you but not confirmed in time. Please choose "
        "the time again.",
        "booking_not_active": "This appointment is no longer active, so it cannot be changed.",
        "booking_not_found": "There is no appointment with this number in your account.",
        "link_invalid": "This link is not valid or not complete. Please open it exactly as it "
        "came in the SMS, or sign in and look at “My appointments”.",
        "already_waiting": "You are already on the waiting list for this day.",
        "day_not_full": "That day still has free times: please book one.",
        "no_such_service": "There is no service with this code.",
        "no_such_office": "This office does not offer this service, or it is closed.",
    },
}

# refusals whose kiosk words fit the web as they are
_KIOSK_REFUSALS = frozenset(
    {
        "unknown_subject",
        "only_for_self",
        "not_parent",
        "child_not_minor",
        "subject_not_deceased",
        "subject_deceased",
        "not_close_relative",
        "not_spouse",
        "marriage_dissolved",
        "not_family_member",
        "not_adult",
        "employed",
        "invalid_national_id",
        "invalid_credentials",
        "locked",
        "idempotency_conflict",
        "invalid_request",
        "throttled",
    }
)


@functools.cache
def _kiosk() -> Catalogues:
    return Catalogues.load()


def kiosk(lang: str) -> Catalogue:
    """The kiosk's catalogue for `lang` (its words for documents, relations and refusals)."""
    return _kiosk()[lang]


def _fill(text: str, lang: str, params: Mapping[str, object]) -> str:
    wrap = isolate if lang == "ar" else str
    return text.format_map({k: wrap(str(v)) for k, v in params.items()})


def say(lang: str, key: str, **params: object) -> str:
    """The portal's words for `key`, placeholders filled (isolated inside Arabic)."""
    return _fill(TEXT[lang][key], lang, params)


def refusal_text(lang: str, code: str | None) -> str:
    """A registry refusal code as the citizen reads it; an unknown code reads generically."""
    code = code or "unknown"
    web = _WEB_REFUSALS[lang]
    if code in web:
        return web[code]
    texts = kiosk(lang).texts
    if code in _KIOSK_REFUSALS and f"refusal.{code}" in texts:
        return texts[f"refusal.{code}"]
    return web["unknown"]


def relation_text(lang: str, relation: str, sex: str | None) -> str:
    """ "you", "your daughter"…: the kiosk's words, by the subject's sex when known."""
    texts = kiosk(lang).texts
    for key in (f"relation.{relation}.{sex}", f"relation.{relation}", "relation.other"):
        if key in texts:
            return texts[key]
    return relation


def fee_text(lang: str, amount: int, currency: str, minor_units: int | None = None) -> str:
    if amount == 0:
        return TEXT[lang]["fee_free"]
    return format_fee(amount, currency, kiosk(lang), minor_units)


def national_id_notice(lang: str, key: str) -> str:
    """The kiosk's notices for a mistyped national number."""
    kiosk_key = {
        "err_national_id_length": "notice.id_incomplete",
        "err_national_id_check": "notice.id_invalid",
    }[key]
    return kiosk(lang).texts[kiosk_key]
